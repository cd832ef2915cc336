"""Web push (VAPID, aes128gcm) against the push service simulator running as a real
process: what arrives is decrypted with the browser-side keys the simulator made."""

import base64
import json
import os
import stat
import time

import http_ece
import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from ratusz.notifications import webpush
from ratusz.notifications.webpush import PushResult, parse_subscription, send_push, vapid_keys
from ratusz.testing.push import start_push_simulator

PAYLOAD = {"title": "Ostrzeżenie: silny wiatr", "body": "Gmina Łódź — porywy do 90 km/h.",
           "url": "/powiadomienia/17/", "tag": "alert-17", "severity": "Severe"}


@pytest.fixture(scope="module")
def simulator():
    process = start_push_simulator()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    return vapid_keys(tmp_path_factory.mktemp("vapid"))


@pytest.fixture(scope="module")
def other_keys(tmp_path_factory):
    return vapid_keys(tmp_path_factory.mktemp("vapid-other"))


@pytest.fixture
def subscription(simulator, keys):
    simulator.reset()
    return simulator.subscribe(keys.public_key_b64url)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def es256_jwt(claims: dict, key: ec.EllipticCurvePrivateKey) -> str:
    head = b64(json.dumps({"typ": "JWT", "alg": "ES256"}).encode())
    body = b64(json.dumps(claims).encode())
    r, s = decode_dss_signature(key.sign(f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256())))
    return f"{head}.{body}.{b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def raw_public(key: ec.EllipticCurvePrivateKey) -> str:
    return b64(key.public_key().public_bytes(serialization.Encoding.X962,
                                             serialization.PublicFormat.UncompressedPoint))


def encrypt_for(subscription: dict, plaintext: bytes) -> bytes:
    return http_ece.encrypt(plaintext, private_key=ec.generate_private_key(ec.SECP256R1()),
                            dh=unb64(subscription["keys"]["p256dh"]),
                            auth_secret=unb64(subscription["keys"]["auth"]),
                            version="aes128gcm")


def post_by_hand(subscription: dict, *, authorization: str, ttl: str | None = "60",
                 body: bytes | None = None, encoding: str | None = "aes128gcm"):
    headers = {"Authorization": authorization}
    if ttl is not None:
        headers["TTL"] = ttl
    if encoding:
        headers["Content-Encoding"] = encoding
    if body is None:
        body = encrypt_for(subscription, b'{"title": "x"}')
    return requests.post(subscription["endpoint"], data=body, headers=headers, timeout=5)


def claims_for(simulator, **changes) -> dict:
    return {"aud": simulator.url, "exp": int(time.time()) + 3600,
            "sub": "mailto:admin@gmina.example", **changes}


# -- delivery -----------------------------------------------------------------------------

def test_sent_notification_arrives_decrypted_with_the_exact_payload(simulator, subscription,
                                                                   keys):
    result = send_push(subscription, PAYLOAD, ttl=3600, urgency="high", topic="alert-17",
                       keys=keys)

    assert result == PushResult("sent", 201, result.detail)
    assert result.detail.startswith(simulator.url + "/m/")
    [message] = simulator.messages_for(subscription["id"])
    assert message["payload"] == PAYLOAD
    assert message["ttl"] == 3600
    assert message["urgency"] == "high"
    assert message["topic"] == "alert-17"
    assert message["sub"] == "mailto:no-reply@ratusz.localhost"  # from DEFAULT_FROM_EMAIL


def test_defaults_are_normal_urgency_a_day_of_ttl_and_no_topic(simulator, subscription, keys):
    assert send_push(subscription, {"title": "Zbiórka odpadów"}, keys=keys).status == "sent"
    [message] = simulator.log()
    assert message == {**message, "payload": {"title": "Zbiórka odpadów"}, "ttl": 86400,
                       "urgency": "normal", "topic": None}


def test_the_vapid_token_has_origin_audience_and_at_most_a_day_of_life(simulator, keys):
    header = webpush.vapid_authorization(simulator.url + "/push/abc", keys)
    scheme, params = header.split(" ", 1)
    values = dict(part.strip().split("=", 1) for part in params.split(","))
    claims = json.loads(unb64(values["t"].split(".")[1]))
    assert scheme == "vapid"
    assert values["k"] == keys.public_key_b64url
    assert claims["aud"] == simulator.url
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    assert claims["sub"] == "mailto:no-reply@ratusz.localhost"


def test_payload_over_3_kb_is_refused_before_sending(subscription, keys):
    with pytest.raises(ValueError, match="at most 3072"):
        send_push(subscription, {"title": "x", "body": "ż" * 1600}, keys=keys)
    with pytest.raises(ValueError, match="unknown payload fields"):
        send_push(subscription, {"title": "x", "html": "<b>"}, keys=keys)


# -- refusals and what the caller does --------------------------------------------------------

def test_signature_by_another_key_than_k_is_401(simulator, subscription, keys):
    intruder = ec.generate_private_key(ec.SECP256R1())
    token = es256_jwt(claims_for(simulator), intruder)
    answer = post_by_hand(subscription,
                          authorization=f"vapid t={token}, k={keys.public_key_b64url}")
    assert answer.status_code == 401
    assert "signature" in answer.json()["error"]
    assert simulator.log() == []


def test_a_correctly_signed_token_made_by_hand_is_accepted(simulator, subscription, keys):
    key = keys.private_key()
    token = es256_jwt(claims_for(simulator), key)
    answer = post_by_hand(subscription, authorization=f"vapid t={token}, k={raw_public(key)}",
                          ttl="0")
    assert answer.status_code == 201
    assert answer.headers["Location"].startswith(simulator.url + "/m/")
    assert simulator.log()[0]["payload"] == {"title": "x"}
    assert simulator.log()[0]["ttl"] == 0


@pytest.mark.parametrize("changes, error", [
    ({"aud": "https://push.example.net"}, "aud"),
    ({"exp": int(time.time()) - 10}, "expired"),
    ({"exp": int(time.time()) + 25 * 3600}, "24 hours"),
    ({"sub": ""}, "sub"),
])
def test_bad_claims_are_401(simulator, subscription, keys, changes, error):
    key = keys.private_key()
    token = es256_jwt(claims_for(simulator, **changes), key)
    answer = post_by_hand(subscription, authorization=f"vapid t={token}, k={raw_public(key)}")
    assert answer.status_code == 401
    assert error in answer.json()["error"]


def test_no_authorization_is_401(subscription):
    assert post_by_hand(subscription, authorization="").status_code == 401
    assert post_by_hand(subscription, authorization="WebPush abc").status_code == 401


def test_another_vapid_key_than_the_subscriptions_is_failed_403(simulator, subscription,
                                                               other_keys):
    result = send_push(subscription, PAYLOAD, keys=other_keys)
    assert result.status == "failed"
    assert result.http_status == 403
    assert "applicationServerKey" in result.detail
    assert simulator.log() == []


def test_missing_ttl_is_refused(simulator, subscription, keys):
    authorization = webpush.vapid_authorization(subscription["endpoint"], keys)
    answer = post_by_hand(subscription, authorization=authorization, ttl=None)
    assert answer.status_code == 400
    assert "TTL" in answer.json()["error"]
    assert simulator.log() == []


def test_wrong_encoding_oversize_and_undecryptable_bodies(simulator, subscription, keys):
    authorization = webpush.vapid_authorization(subscription["endpoint"], keys)
    assert post_by_hand(subscription, authorization=authorization,
                        encoding="aesgcm").status_code == 415
    assert post_by_hand(subscription, authorization=authorization,
                        body=os.urandom(4097)).status_code == 413
    assert post_by_hand(subscription, authorization=authorization,
                        body=os.urandom(200)).status_code == 400
    other = simulator.subscribe()
    assert post_by_hand(subscription, authorization=authorization,
                        body=encrypt_for(other, b"{}")).status_code == 400
    assert simulator.log() == []


def test_expired_subscription_is_gone(simulator, subscription, keys):
    simulator.expire(subscription["id"])
    result = send_push(subscription, PAYLOAD, keys=keys)
    assert (result.status, result.http_status) == ("gone", 410)
    unknown = {**subscription, "endpoint": simulator.url + "/push/nobody"}
    assert send_push(unknown, PAYLOAD, keys=keys).status == "gone"
    assert simulator.log() == []


def test_server_errors_and_rate_limits_are_retry(simulator, subscription, keys):
    simulator.fault("error500", count=2)
    first = send_push(subscription, PAYLOAD, keys=keys)
    second = send_push(subscription, PAYLOAD, keys=keys)
    assert (first.status, first.http_status) == ("retry", 500)
    assert (second.status, second.http_status) == ("retry", 500)
    assert send_push(subscription, PAYLOAD, keys=keys).status == "sent"
    simulator.fault("error429")
    limited = send_push(subscription, PAYLOAD, keys=keys)
    assert (limited.status, limited.http_status) == ("retry", 429)
    assert len(simulator.log()) == 1


def test_timeout_and_unreachable_service_are_retry(simulator, subscription, keys):
    simulator.fault("timeout")
    result = send_push(subscription, PAYLOAD, keys=keys, timeout=0.5)
    assert (result.status, result.http_status) == ("retry", None)
    assert "Timeout" in result.detail
    dead = {**subscription, "endpoint": "http://127.0.0.1:9/push/x"}
    result = send_push(dead, PAYLOAD, keys=keys, timeout=2)
    assert (result.status, result.http_status) == ("retry", None)


def test_classify():
    assert [webpush.classify(code) for code in (201, 400, 401, 403, 404, 410, 413, 429, 502)] \
        == ["sent", "failed", "failed", "failed", "gone", "gone", "failed", "retry", "retry"]


# -- keys --------------------------------------------------------------------------------

def test_dev_keys_are_made_once_private_and_match(tmp_path):
    first = vapid_keys(tmp_path)
    again = vapid_keys(tmp_path)
    assert first == again
    assert stat.S_IMODE(first.private_key_path.stat().st_mode) == 0o600
    point = unb64(first.public_key_b64url)
    assert len(point) == 65 and point[0] == 4
    assert "=" not in first.public_key_b64url
    assert raw_public(first.private_key()) == first.public_key_b64url


def test_configured_key_file_and_subject(tmp_path, settings, simulator):
    made = vapid_keys(tmp_path / "elsewhere")
    settings.RATUSZ_VAPID_PRIVATE_KEY = str(made.private_key_path)
    settings.RATUSZ_VAPID_SUBJECT = "https://gmina.example"
    assert vapid_keys() == made
    settings.RATUSZ_VAPID_SUBJECT = ""
    settings.DEFAULT_FROM_EMAIL = "Urząd Gminy <urzad@gmina.example>"
    assert webpush.vapid_subject() == "mailto:urzad@gmina.example"
    settings.RATUSZ_VAPID_PRIVATE_KEY = str(tmp_path / "missing.pem")
    with pytest.raises(FileNotFoundError):
        vapid_keys()


# -- subscriptions from the browser -------------------------------------------------------------

def test_parse_subscription_accepts_what_a_browser_sends(simulator):
    browser = simulator.subscribe()
    sent = {"endpoint": "https://fcm.googleapis.com/fcm/send/abc:def",
            "expirationTime": None, "keys": browser["keys"]}
    assert parse_subscription(json.dumps(sent)) == {
        "endpoint": sent["endpoint"], "keys": browser["keys"]}


def test_parse_subscription_refuses_bad_data_in_polish(simulator, settings):
    settings.DEBUG = False
    settings.RATUSZ_PUSH_ALLOW_HTTP_ENDPOINTS = False
    browser = simulator.subscribe()
    good = {"endpoint": "https://push.example.net/x", "keys": browser["keys"]}
    with pytest.raises(ValueError, match="musi używać HTTPS"):
        parse_subscription({**good, "endpoint": "http://push.example.net/x"})
    with pytest.raises(ValueError, match="musi używać HTTPS"):
        parse_subscription(browser)  # the simulator's http://127.0.0.1 endpoint
    bad_point = b64(b"\x04" + b"\x01" * 64)  # not on the curve
    with pytest.raises(ValueError, match="p256dh nie jest poprawnym kluczem publicznym P-256"):
        parse_subscription({**good, "keys": {**good["keys"], "p256dh": bad_point}})
    with pytest.raises(ValueError, match="p256dh"):
        parse_subscription({**good, "keys": {**good["keys"], "p256dh": "nie*base64"}})
    with pytest.raises(ValueError, match="dokładnie 16 bajtów"):
        parse_subscription({**good, "keys": {**good["keys"], "auth": b64(b"x" * 15)}})
    with pytest.raises(ValueError, match="Brak kluczy"):
        parse_subscription({"endpoint": good["endpoint"]})
    with pytest.raises(ValueError, match="JSON"):
        parse_subscription("{nie json")


def test_parse_subscription_takes_local_http_for_the_simulator_when_allowed(simulator,
                                                                          settings):
    settings.DEBUG = False
    settings.RATUSZ_PUSH_ALLOW_HTTP_ENDPOINTS = True
    browser = simulator.subscribe()
    assert parse_subscription(browser)["endpoint"] == browser["endpoint"]
    with pytest.raises(ValueError, match="HTTPS"):
        parse_subscription({**browser, "endpoint": "http://push.example.net/x"})


def test_a_malformed_stored_subscription_is_failed_not_an_exception(simulator, subscription,
                                                                   keys):
    broken = {**subscription, "keys": {"p256dh": b64(b"\x04" + b"\x01" * 64),
                                       "auth": subscription["keys"]["auth"]}}
    result = send_push(broken, PAYLOAD, keys=keys)
    assert (result.status, result.http_status) == ("failed", None)
    assert result.detail.startswith("subscription:")
    no_keys = {"endpoint": subscription["endpoint"]}
    assert send_push(no_keys, PAYLOAD, keys=keys).status == "failed"
    assert simulator.log() == []

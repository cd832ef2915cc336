"""Web push to residents' browsers: VAPID (RFC 8292), message encryption (RFC 8291,
aes128gcm) and delivery to the browser's push service (RFC 8030).

- `vapid_keys()` — the platform's VAPID key pair: the PEM file named by the setting
  RATUSZ_VAPID_PRIVATE_KEY, or development keys made once in VAR_DIR/keys/vapid.
- `parse_subscription(data)` — checks what the browser's `PushSubscription.toJSON()`
  sent us (endpoint, keys.p256dh, keys.auth); raises ValueError with a Polish message.
- `send_push(subscription, payload, ...)` — one notification; never raises for the push
  service's answer, returns a `PushResult` whose status tells the caller what to do:
  "sent", "gone" (delete the subscription), "failed" (permanent), "retry" (transient).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import time
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

#: the payload's fields (JSON) and its size limit before encryption: the push service
#: takes 4096 bytes of encrypted body, which leaves 3993 for the plaintext (RFC 8291 §4);
#: we keep a margin.
PAYLOAD_FIELDS = ("title", "body", "url", "tag", "severity")
MAX_PAYLOAD_BYTES = 3072
#: the longest VAPID token life a push service accepts (RFC 8292 §2)
MAX_JWT_LIFETIME = 24 * 60 * 60
JWT_LIFETIME = 12 * 60 * 60
URGENCIES = ("very-low", "low", "normal", "high")
_TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
DEV_KEY_NAME = "vapid-private.pem"


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    text = text.strip()
    if not re.fullmatch(r"[A-Za-z0-9_\-+/]*={0,2}", text):
        raise ValueError("not base64url")
    text = text.rstrip("=").replace("+", "-").replace("/", "_")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValueError("not base64url") from error


def _settings(name: str, default=None):
    from django.conf import settings

    return getattr(settings, name, default) if settings.configured else default


# -- VAPID keys ---------------------------------------------------------------------------

@dataclass(frozen=True)
class VapidKeys:
    private_key_path: Path
    #: the uncompressed P-256 point (65 bytes), base64url without padding: what the page
    #: gives `pushManager.subscribe({applicationServerKey})`
    public_key_b64url: str

    def private_key(self) -> ec.EllipticCurvePrivateKey:
        key = serialization.load_pem_private_key(self.private_key_path.read_bytes(),
                                                 password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
            raise ValueError(f"{self.private_key_path}: a VAPID key must be EC P-256")
        return key


def _public_b64url(key: ec.EllipticCurvePrivateKey) -> str:
    return b64url_encode(key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))


def make_dev_key(path: Path) -> None:
    """A new P-256 private key in PEM (PKCS#8), readable only by its owner."""
    key = ec.generate_private_key(ec.SECP256R1())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))


def vapid_keys(key_dir: Path | None = None) -> VapidKeys:
    """The VAPID key pair. With `key_dir`, development keys in that directory (made on
    first use); otherwise the PEM file of RATUSZ_VAPID_PRIVATE_KEY when set, else
    development keys in VAR_DIR/keys/vapid."""
    if key_dir is None:
        configured = _settings("RATUSZ_VAPID_PRIVATE_KEY", "")
        if configured:
            path = Path(configured)
            if not path.is_file():
                raise FileNotFoundError(f"RATUSZ_VAPID_PRIVATE_KEY: no file {path}")
            keys = VapidKeys(private_key_path=path, public_key_b64url="")
            return VapidKeys(path, _public_b64url(keys.private_key()))
        var_dir = _settings("VAR_DIR") or Path("var")
        key_dir = Path(var_dir) / "keys" / "vapid"
    path = Path(key_dir) / DEV_KEY_NAME
    if not path.exists():
        make_dev_key(path)
    keys = VapidKeys(private_key_path=path, public_key_b64url="")
    return VapidKeys(path, _public_b64url(keys.private_key()))


def vapid_subject() -> str:
    """The `sub` claim: RATUSZ_VAPID_SUBJECT, else mailto: DEFAULT_FROM_EMAIL's address."""
    subject = _settings("RATUSZ_VAPID_SUBJECT", "")
    if subject:
        return subject
    address = parseaddr(_settings("DEFAULT_FROM_EMAIL", "") or "")[1]
    return "mailto:" + (address or "no-reply@ratusz.localhost")


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def vapid_authorization(endpoint: str, keys: VapidKeys, *, subject: str | None = None,
                        lifetime: int = JWT_LIFETIME) -> str:
    """The `Authorization: vapid t=<JWT>, k=<public key>` value for one push service."""
    from py_vapid import Vapid02

    lifetime = min(lifetime, MAX_JWT_LIFETIME)
    claims = {"aud": origin(endpoint), "exp": int(time.time()) + lifetime,
              "sub": subject or vapid_subject()}
    vapid = Vapid02(private_key=keys.private_key())
    return vapid.sign(claims)["Authorization"]


_TOKENS: dict[tuple, tuple[str, float]] = {}


def _cached_authorization(endpoint: str, keys: VapidKeys) -> str:
    """A VAPID header per push service, reused while it has over an hour of life left
    (push services accept a token many times; signing each message costs throughput)."""
    key = (str(keys.private_key_path), keys.public_key_b64url, origin(endpoint),
           vapid_subject())
    cached = _TOKENS.get(key)
    now = time.time()
    if cached and cached[1] - now > 3600:
        return cached[0]
    header = vapid_authorization(endpoint, keys, subject=key[3])
    if len(_TOKENS) > 1000:
        _TOKENS.clear()
    _TOKENS[key] = (header, now + JWT_LIFETIME)
    return header


# -- subscriptions -------------------------------------------------------------------------

def _allow_http() -> bool:
    return bool(_settings("DEBUG", False) or
                _settings("RATUSZ_PUSH_ALLOW_HTTP_ENDPOINTS", False))


def parse_subscription(data) -> dict:
    """Check a subscription as the browser sent it (`PushSubscription.toJSON()`, as a dict
    or a JSON string) and return {"endpoint", "keys": {"p256dh", "auth"}}."""
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except ValueError as error:
            raise ValueError("Subskrypcja nie jest poprawnym JSON-em.") from error
    if not isinstance(data, dict):
        raise ValueError("Subskrypcja musi być obiektem JSON.")
    endpoint = data.get("endpoint")
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > 2048:
        raise ValueError("Brak adresu usługi push (endpoint) albo jest za długi.")
    parts = urlsplit(endpoint)
    local_http = (parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost")
                  and _allow_http())
    if not (parts.scheme == "https" or local_http) or not parts.hostname:
        raise ValueError("Adres usługi push musi używać HTTPS.")
    if parts.username or parts.password:
        raise ValueError("Adres usługi push nie może zawierać danych logowania.")
    keys = data.get("keys")
    if not isinstance(keys, dict):
        raise ValueError("Brak kluczy subskrypcji (keys.p256dh i keys.auth).")
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not isinstance(p256dh, str) or not isinstance(auth, str):
        raise ValueError("Brak kluczy subskrypcji (keys.p256dh i keys.auth).")
    try:
        point = b64url_decode(p256dh)
        if len(point) != 65 or point[0] != 4:
            raise ValueError("not uncompressed")
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError as error:
        raise ValueError("Klucz p256dh nie jest poprawnym kluczem publicznym P-256.") \
            from error
    try:
        secret = b64url_decode(auth)
    except ValueError as error:
        raise ValueError("Sekret auth nie jest poprawnie zakodowany (base64url).") from error
    if len(secret) != 16:
        raise ValueError("Sekret auth musi mieć dokładnie 16 bajtów.")
    return {"endpoint": endpoint, "keys": {"p256dh": b64url_encode(point),
                                           "auth": b64url_encode(secret)}}


# -- sending --------------------------------------------------------------------------------

@dataclass
class PushResult:
    status: str  # "sent" | "gone" (404/410: subscription expired, caller deletes it)
    #              | "failed" (other 4xx, permanent) | "retry" (5xx/429/timeout: transient)
    http_status: int | None
    detail: str

    @property
    def ok(self) -> bool:
        return self.status == "sent"


def encode_payload(payload: dict) -> bytes:
    """The notification as compact JSON (only the known fields); ValueError when too big."""
    unknown = set(payload) - set(PAYLOAD_FIELDS)
    if unknown:
        raise ValueError(f"unknown payload fields: {sorted(unknown)}")
    if not payload.get("title"):
        raise ValueError("the payload needs a title")
    data = json.dumps({k: payload[k] for k in PAYLOAD_FIELDS if k in payload},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if len(data) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"payload is {len(data)} bytes, at most {MAX_PAYLOAD_BYTES}")
    return data


def classify(http_status: int) -> str:
    if 200 <= http_status < 300:
        return "sent"
    if http_status in (404, 410):
        return "gone"
    if http_status == 429 or http_status >= 500:
        return "retry"
    return "failed"


def send_push(subscription: dict, payload: dict, *, ttl: int = 86400,
              urgency: str = "normal", topic: str | None = None,
              keys: VapidKeys | None = None, timeout: float = 10,
              session: requests.Session | None = None) -> PushResult:
    """Encrypt `payload` for one subscription and post it to its push service."""
    from pywebpush import WebPusher, WebPushException

    if urgency not in URGENCIES:
        raise ValueError(f"urgency must be one of {URGENCIES}")
    if topic is not None and not _TOPIC.match(topic):
        raise ValueError("topic: 1–32 characters of the base64url alphabet")
    data = encode_payload(payload)
    keys = keys or vapid_keys()
    endpoint = subscription.get("endpoint", "")
    headers = {"Authorization": _cached_authorization(endpoint, keys),
               "Urgency": urgency}
    if topic:
        headers["Topic"] = topic
    try:
        pusher = WebPusher(subscription, requests_session=session)
    except (WebPushException, ValueError, TypeError, KeyError) as error:
        # a malformed subscription: it will never work
        return PushResult("failed", None, f"subscription: {error}")
    try:
        response = pusher.send(data, headers, ttl=max(int(ttl), 0),
                               content_encoding="aes128gcm", timeout=timeout)
    except (requests.Timeout, requests.ConnectionError) as error:
        return PushResult("retry", None, f"{type(error).__name__}: {error}")
    except requests.RequestException as error:
        return PushResult("failed", None, f"{type(error).__name__}: {error}")
    except (WebPushException, ValueError) as error:  # the keys do not encrypt
        return PushResult("failed", None, f"subscription: {error}")
    status = classify(response.status_code)
    detail = response.reason or ""
    if status != "sent":
        body = (response.text or "").strip()
        detail = f"{response.status_code} {detail}: {body[:300]}".rstrip(": ")
        retry_after = response.headers.get("Retry-After")
        if retry_after and status == "retry":
            detail += f" (Retry-After: {retry_after})"
    else:
        detail = response.headers.get("Location", "") or detail
    return PushResult(status, response.status_code, detail)


__all__ = ["MAX_PAYLOAD_BYTES", "PushResult", "VapidKeys", "classify", "encode_payload",
           "parse_subscription", "send_push", "vapid_authorization", "vapid_keys",
           "vapid_subject"]

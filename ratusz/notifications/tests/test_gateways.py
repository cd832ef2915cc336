"""The SMS gateway adapters against the gateway simulator, a real process speaking the
SMSAPI.pl and SerwerSMS.pl protocols. No database."""

from __future__ import annotations

import threading
import time
import uuid
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ratusz.notifications.gateways import (
    DeliveryStatus,
    GatewayUnavailable,
    SmsAccepted,
    SmsRejected,
    SmsToSend,
    build_gateways,
    callback_params,
    send_with_failover,
)
from ratusz.notifications.gateways.serwersms import decode_unique_id, encode_unique_id
from ratusz.notifications.sms import measure
from ratusz.testing.sms import start_sms_simulator

ALERT = "Gmina Jastków: ostrzeżenie przed burzą z gradem, 14:00–20:00."


@pytest.fixture(scope="module")
def simulator():
    process = start_sms_simulator(report_delay=0.05, smsapi_report_batch=5)
    yield process
    process.stop()


@pytest.fixture
def sim(simulator):
    simulator.reset()
    return simulator


@pytest.fixture
def gateways(sim):
    return build_gateways([sim.gateway_config("smsapi"), sim.gateway_config("serwersms")])


def messages(count: int, text: str = ALERT, *, first: int = 500_100_000) -> list[SmsToSend]:
    return [SmsToSend(str(uuid.uuid4()), f"48{first + i}", text) for i in range(count)]


# -- sending ------------------------------------------------------------------------------------
def test_identical_text_goes_in_one_bulk_request(sim, gateways):
    smsapi = gateways[0]
    batch = messages(40)

    results = smsapi.send(batch, sender="Gmina", callback_url=None)

    expected = measure(ALERT)
    assert expected.encoding == "UCS-2" and expected.parts == 1
    assert [r.reference for r in results] == [m.reference for m in batch]
    assert all(isinstance(r, SmsAccepted) and r.gateway == "smsapi" for r in results)
    assert {r.parts for r in results} == {expected.parts}
    assert results[0].cost == Decimal("0.16")
    assert len({r.provider_id for r in results}) == 40
    assert sim.stats()["smsapi"]["requests"] == 1
    log = sim.log("smsapi")
    assert [(e["to"], e["idx"]) for e in log] == [(m.to, m.reference) for m in batch]
    assert {(e["encoding"], e["parts"], e["sender"], e["text"]) for e in log} == {
        ("UCS-2", 1, "Gmina", ALERT)}


def test_long_text_counts_parts_and_transliteration_uses_gsm7(sim, gateways):
    smsapi = gateways[0]
    long_text = "Komunikat: " + "zamknięta droga gminna " * 6   # > 70 UCS-2 units
    assert measure(long_text).parts == 3

    plain = smsapi.send(messages(2, long_text), sender="Gmina", callback_url=None)
    normalized = smsapi.send(messages(2, long_text, first=500_200_000), sender="Gmina",
                             callback_url=None, transliterate=True)

    assert {r.parts for r in plain} == {3}
    assert {r.parts for r in normalized} == {1}
    log = sim.log("smsapi")
    assert [e["encoding"] for e in log] == ["UCS-2", "UCS-2", "GSM-7", "GSM-7"]
    assert "zamknieta" in log[-1]["text"]


def test_different_texts_go_in_separate_requests_in_batch_order(sim, gateways):
    for gateway in gateways:
        sim.reset()
        batch = [SmsToSend(str(uuid.uuid4()), f"48{600_000_000 + i}", f"Tekst {i % 3}")
                 for i in range(9)]

        results = gateway.send(batch, sender="Gmina", callback_url=None)

        assert [r.reference for r in results] == [m.reference for m in batch]
        assert all(isinstance(r, SmsAccepted) for r in results)
        assert sim.stats()[gateway.name]["requests"] == 3 + (3 if gateway.name ==
                                                              "serwersms" else 0)
        texts = [e["text"] for e in sim.log(gateway.name)]
        assert texts == ["Tekst 0"] * 3 + ["Tekst 1"] * 3 + ["Tekst 2"] * 3


def test_max_per_request_splits_a_bulk(sim):
    smsapi, = build_gateways([sim.gateway_config("smsapi", max_per_request=4)])

    results = smsapi.send(messages(10), sender="Gmina", callback_url=None)

    assert len(results) == 10 and all(isinstance(r, SmsAccepted) for r in results)
    assert sim.stats()["smsapi"]["requests"] == 3


@pytest.mark.parametrize("kind", ["smsapi", "serwersms"])
def test_wrong_token_makes_the_gateway_unavailable(sim, kind):
    gateway, = build_gateways([sim.gateway_config(kind, token="wrong")])

    with pytest.raises(GatewayUnavailable) as caught:
        gateway.send(messages(3), sender="Gmina", callback_url=None)

    assert "101" in str(caught.value) or "1001" in str(caught.value)
    assert len(caught.value.remaining) == 3
    assert sim.log(kind) == []


@pytest.mark.parametrize("kind, code", [("smsapi", "13"), ("serwersms", "2001")])
def test_an_invalid_number_is_rejected_permanently(sim, kind, code):
    gateway, = build_gateways([sim.gateway_config(kind)])
    good = messages(2)
    landline = SmsToSend("ref-landline", "48225550101", ALERT)   # Warsaw landline
    unknown = SmsToSend("ref-short", "4850010", ALERT)

    results = gateway.send([good[0], landline, unknown, good[1]], sender="Gmina",
                           callback_url=None)

    assert [type(r) for r in results] == [SmsAccepted, SmsRejected, SmsRejected, SmsAccepted]
    assert (results[1].permanent, results[1].code) == (True, code)
    assert (results[2].permanent, results[2].code) == (True, code)
    assert [e["to"] for e in sim.log(kind)] == [good[0].to, good[1].to]


def test_a_request_with_only_invalid_numbers_is_rejected(sim, gateways):
    results = gateways[0].send([SmsToSend("only-bad", "48215550101", ALERT)],
                               sender="Gmina", callback_url=None)

    assert results == [SmsRejected("only-bad", "13", "No correct phone numbers",
                                   permanent=True, gateway="smsapi")]


@pytest.mark.parametrize("kind", ["smsapi", "serwersms"])
def test_sending_again_is_idempotent(sim, kind):
    gateway, = build_gateways([sim.gateway_config(kind)])
    batch = messages(6)
    first = gateway.send(batch, sender="Gmina", callback_url=None)

    again = gateway.send(batch + messages(2, first=500_300_000), sender="Gmina",
                         callback_url=None)

    assert all(isinstance(r, SmsAccepted) and not r.already_sent for r in first)
    assert [r.already_sent for r in again] == [True] * 6 + [False] * 2
    assert all(isinstance(r, SmsAccepted) for r in again)
    if kind == "serwersms":   # found by the reports query, with the gateway's id
        assert [r.provider_id for r in again[:6]] == [r.provider_id for r in first]
    log = sim.log(kind)
    assert len(log) == 8
    assert sorted(e["to"] for e in log) == sorted(m.to for m in batch) + [
        "48500300000", "48500300001"]


def test_references_survive_serwersms_unique_id_rules():
    for reference in ["0b7c2f3e-9d1a-4c55-8f00-1a2b3c4d5e6f", "Z-z", "a", "ZZ--ZZ", "x1"]:
        encoded = encode_unique_id(reference)
        assert encoded.isalnum() and 3 <= len(encoded) <= 50
        assert decode_unique_id(encoded) == reference


# -- failover -----------------------------------------------------------------------------------
def test_failover_to_the_second_gateway_when_the_first_is_down(sim, gateways):
    sim.fault("smsapi", "down")
    batch = messages(5)

    used, results = send_with_failover(gateways, batch, sender="Gmina",
                                       callback_url_for=lambda name: None)

    assert used == "serwersms"
    assert [(r.reference, r.gateway) for r in results] == [(m.reference, "serwersms")
                                                           for m in batch]
    assert sim.log("smsapi") == []
    assert sorted(e["to"] for e in sim.log("serwersms")) == sorted(m.to for m in batch)
    assert sim.stats()["smsapi"]["faults"] == 1

    sim.fault("smsapi", "ok")
    used, _ = send_with_failover(gateways, messages(1, first=500_400_000), sender="Gmina",
                                 callback_url_for=lambda name: None)
    assert used == "smsapi"


def test_a_fault_for_a_count_of_requests_ends_by_itself(sim, gateways):
    sim.fault("smsapi", "error500", count=1)

    first, _ = send_with_failover(gateways, messages(1), sender="G",
                                  callback_url_for=lambda name: None)
    second, _ = send_with_failover(gateways, messages(1, first=500_500_000), sender="G",
                                   callback_url_for=lambda name: None)

    assert (first, second) == ("serwersms", "smsapi")


def test_what_the_first_gateway_took_stays_with_it(sim):
    # Two texts, two requests: the second request finds the gateway down.
    smsapi, serwersms = build_gateways([sim.gateway_config("smsapi"),
                                        sim.gateway_config("serwersms")])
    batch = messages(2, "Pierwszy") + messages(2, "Drugi", first=500_600_000)
    original_post = smsapi.post
    calls = []

    def post_then_fail(path, **kwargs):
        calls.append(path)
        if len(calls) == 2:
            sim.fault("smsapi", "down")
        return original_post(path, **kwargs)

    smsapi.post = post_then_fail
    used, results = send_with_failover([smsapi, serwersms], batch, sender="G",
                                       callback_url_for=lambda name: None)

    assert used == "serwersms"
    assert [r.gateway for r in results] == ["smsapi", "smsapi", "serwersms", "serwersms"]
    assert [e["text"] for e in sim.log("smsapi")] == ["Pierwszy"] * 2
    assert [e["text"] for e in sim.log("serwersms")] == ["Drugi"] * 2


def test_all_gateways_down_raises_with_everything_remaining(sim, gateways):
    sim.fault("smsapi", "down")
    sim.fault("serwersms", "error500")
    batch = messages(3)

    with pytest.raises(GatewayUnavailable) as caught:
        send_with_failover(gateways, batch, sender="Gmina",
                           callback_url_for=lambda name: None)

    assert caught.value.remaining == batch
    assert caught.value.results == []
    assert "HTTP 503" in str(caught.value) and "HTTP 500" in str(caught.value)
    assert sim.log() == []


def test_gateway_configuration_is_checked():
    gateways = build_gateways([{"kind": "smsapi", "url": "https://api.smsapi.pl",
                                "token": "t"}])
    assert gateways[0].name == "smsapi" and gateways[0].report_ack == "OK"
    with pytest.raises(ValueError, match="unknown SMS gateway kind"):
        build_gateways([{"kind": "twilio", "url": "https://x", "token": "t"}])
    with pytest.raises(ValueError, match="needs 'token'"):
        build_gateways([{"kind": "serwersms", "url": "https://api2.serwersms.pl"}])
    with pytest.raises(ValueError, match="unknown settings"):
        build_gateways([{"kind": "smsapi", "url": "https://x", "token": "t", "tokn": "t"}])
    with pytest.raises(ValueError, match="two SMS gateways"):
        build_gateways([{"kind": "smsapi", "url": "https://x", "token": "t"}] * 2)


# -- delivery reports ---------------------------------------------------------------------------
class Receiver:
    """A tiny callback endpoint: records every request, answers "OK" (after failing the
    first `fail_first` requests with HTTP 500)."""

    def __init__(self, fail_first: int = 0):
        self.calls: list[dict] = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def handle_one(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path, _, query = self.path.partition("?")
                with lock:
                    receiver.calls.append({"method": self.command, "path": path,
                                           "query": query, "body": body,
                                           "content_type": self.headers.get(
                                               "Content-Type", "")})
                    failing = len(receiver.calls) <= receiver.fail_first
                status, answer = (500, b"error") if failing else (200, b"OK")
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = handle_one  # noqa: N815

            def log_message(self, format, *args):  # noqa: A002
                pass

        lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reports(self, gateway, path: str) -> list:
        found = []
        for call in list(self.calls):
            if call["path"] == path:
                found += gateway.parse_reports(callback_params(
                    call["query"], call["body"], call["content_type"]))
        return found

    def wait_for(self, gateway, path: str, count: int, timeout: float = 15) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reports = self.reports(gateway, path)
            if len({r.reference for r in reports}) >= count:
                return reports
            time.sleep(0.05)
        raise AssertionError(f"only {len(self.reports(gateway, path))} reports arrived")

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def test_smsapi_delivery_reports_arrive_in_batches_and_parse(sim, gateways, receiver):
    smsapi = gateways[0]
    batch = messages(6) + [SmsToSend(str(uuid.uuid4()), "48500000000", ALERT)]
    accepted = smsapi.send(batch, sender="Gmina", callback_url=receiver.url + "/sms/smsapi")

    reports = receiver.wait_for(smsapi, "/sms/smsapi", 7)

    calls = [c for c in receiver.calls if c["path"] == "/sms/smsapi"]
    assert all(c["method"] == "GET" for c in calls)
    assert len(calls) == 2   # 5 + 2: the simulator's batch size is 5
    by_reference = {r.reference: r for r in reports}
    assert set(by_reference) == {m.reference for m in batch}
    unreachable = by_reference[batch[-1].reference]
    assert (unreachable.status, unreachable.detail) == (DeliveryStatus.FAILED,
                                                        "405 UNDELIVERED")
    assert {by_reference[m.reference].status for m in batch[:-1]} == {"delivered"}
    assert {r.provider_id for r in reports} == {a.provider_id for a in accepted}
    assert all(r.at is not None and r.at.tzinfo is not None for r in reports)
    assert sim.stats()["smsapi"]["reports_delivered"] == 7


def test_serwersms_delivery_reports_go_to_the_panel_url(sim, gateways, receiver):
    serwersms = gateways[1]
    sim.set_callback("serwersms", receiver.url + "/sms/serwersms")
    batch = messages(3) + [SmsToSend(str(uuid.uuid4()), "48790000000", ALERT)]
    accepted = serwersms.send(batch, sender="Gmina", callback_url="ignored")

    reports = receiver.wait_for(serwersms, "/sms/serwersms", 4)

    by_reference = {r.reference: r for r in reports}
    assert set(by_reference) == {m.reference for m in batch}   # hyphens restored
    assert by_reference[batch[-1].reference].status == "failed"
    assert by_reference[batch[-1].reference].detail == "undelivered message_expired"
    assert {by_reference[m.reference].status for m in batch[:-1]} == {"delivered"}
    assert {r.provider_id for r in reports} == {a.provider_id for a in accepted}
    assert all(r.at is not None for r in reports)


def test_a_failed_callback_is_retried(sim, gateways):
    receiver = Receiver(fail_first=2)
    try:
        smsapi = gateways[0]
        batch = messages(3)
        smsapi.send(batch, sender="Gmina", callback_url=receiver.url + "/cb")

        deadline = time.monotonic() + 15
        while sim.stats()["smsapi"]["reports_delivered"] < 3 and time.monotonic() < deadline:
            time.sleep(0.05)

        stats = sim.stats()["smsapi"]
        assert stats["reports_delivered"] == 3
        assert stats["callback_failures"] == 2
        assert len(receiver.calls) == 3
    finally:
        receiver.close()


def test_parse_reports_of_a_hand_written_smsapi_callback(gateways):
    params = callback_params(
        "MsgId=613F1B14,613F1B15&status=404,403&status_name=DELIVERED,SENT"
        "&idx=ref-1,ref-2&donedate=1700000000,1700000100&to=48500100200,48500100201"
        "&from=Gmina,Gmina&points=0.16,0.16&username=u,u&mcc=260,260&mnc=2,3")

    reports = gateways[0].parse_reports(params)

    assert [(r.reference, r.provider_id, r.status, r.detail) for r in reports] == [
        ("ref-1", "613F1B14", "delivered", "404 DELIVERED"),
        ("ref-2", "613F1B15", "sent", "403 SENT")]
    assert reports[0].at.timestamp() == 1700000000
    assert gateways[0].parse_reports({}) == []


def test_a_hundred_thousand_recipients_in_well_under_a_minute(sim, gateways):
    smsapi = gateways[0]
    batch = [SmsToSend(f"bulk-{i}", f"48{600_000_000 + i}", "Alarm powodziowy: ewakuacja.")
             for i in range(100_000)]
    started = time.monotonic()

    results = smsapi.send(batch, sender="Gmina", callback_url=None)

    elapsed = time.monotonic() - started
    assert elapsed < 30, elapsed
    assert len(results) == 100_000 and all(isinstance(r, SmsAccepted) for r in results)
    stats = sim.stats()["smsapi"]
    assert (stats["requests"], stats["accepted"]) == (10, 100_000)

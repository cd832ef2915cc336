"""A local stand-in for two SMS gateways, SMSAPI.pl and SerwerSMS.pl, for development and
the tests. Not Django: a small WSGI app in its own process, state in memory.

    python -m ratusz.notifications.sms_simulator --port 8091 --token dev-token

Gateway configuration urls: `http://127.0.0.1:8091/smsapi` and
`http://127.0.0.1:8091/serwersms`; both check `Authorization: Bearer <token>`.

- POST /smsapi/sms.do — form: to (comma-separated), message, from, idx (`|`-separated),
  check_idx, notify_url, normalize, format=json. Error codes as the real gateway: 11 (no
  text), 13 (no valid number), 19 (too many numbers), 20 (idx count), 53 (idx already
  accepted, when check_idx=1: the whole request is refused), 101 (token).
- POST /serwersms/messages/send_sms[.json] — JSON: phone (list), text, sender, utf,
  unique_id (list). POST /serwersms/messages/reports[.json] — JSON: unique_id or id.
- Valid numbers: Polish mobile, 48 + 9 digits starting 4–8. A number ending in 0000000
  is accepted but unreachable: its report says undelivered.
- Delivery reports go out from a background thread `--report-delay` seconds after
  acceptance: SMSAPI as GET to the request's notify_url, comma-separated, up to
  `--smsapi-report-batch` per call (answer must be "OK"); SerwerSMS as POST JSON
  `{"items": [...]}` to the panel's callback URL (`--serwersms-callback` or
  /_control/callback). A failed callback is retried three times.

Control (JSON): POST /_control/fault {"gateway", "mode": down|error500|ok, "count"},
GET /_control/log?gateway=…, GET /_control/stats, POST /_control/reset,
POST /_control/callback {"gateway": "serwersms", "url"}, GET /healthz.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import re
import sys
import threading
import time
import urllib.request
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs, urlencode, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from zoneinfo import ZoneInfo

from ratusz.notifications.sms import measure, to_gsm7

GATEWAYS = ("smsapi", "serwersms")
MOBILE = re.compile(r"^48[4-8][0-9]{8}$")
UNIQUE_ID = re.compile(r"^[A-Za-z0-9]{3,50}$")
SMSAPI_MAX_NUMBERS = 10_000
SERWERSMS_MAX_NUMBERS = 500
RETRY_DELAYS = (0.2, 0.5, 1.0)
WARSAW = ZoneInfo("Europe/Warsaw")
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
           500: "Internal Server Error", 503: "Service Unavailable"}


def _counters() -> dict:
    return {"requests": 0, "accepted": 0, "rejected": 0, "duplicates": 0, "faults": 0,
            "reports_delivered": 0, "callbacks": 0, "callback_failures": 0}


def _json(status: int, data) -> tuple[int, str, bytes]:
    return status, "application/json", json.dumps(data, ensure_ascii=False).encode()


class Simulator:
    def __init__(self, *, token: str, report_delay: float = 0.2,
                 smsapi_report_batch: int = 5, serwersms_report_batch: int = 100,
                 serwersms_callback: str = ""):
        self.token = token
        self.report_delay = report_delay
        self.batch_sizes = {"smsapi": smsapi_report_batch, "serwersms": serwersms_report_batch}
        self.lock = threading.Lock()
        self.default_callbacks = {"serwersms": serwersms_callback}
        self.reset()
        self.senders = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sms-callback")
        threading.Thread(target=self._dispatch, name="sms-reports", daemon=True).start()

    def reset(self) -> None:
        with self.lock:
            self.generation = getattr(self, "generation", 0) + 1
            self.ids = itertools.count(1)
            self.log: dict[str, list[dict]] = {name: [] for name in GATEWAYS}
            self.by_custom_id: dict[str, dict[str, dict]] = {name: {} for name in GATEWAYS}
            self.stats = {name: _counters() for name in GATEWAYS}
            self.faults: dict[str, dict] = {}
            self.callbacks = dict(self.default_callbacks)
            self.pending: deque = deque()   # (due, generation, gateway, url, report)

    # -- HTTP ----------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(length) if length else b""
        query = environ.get("QUERY_STRING", "")
        try:
            status, content_type, payload = self.route(method, path, query, body, environ)
        except Exception as error:  # noqa: BLE001 - answer, never crash the server
            status, content_type, payload = _json(400, {"error": repr(error)})
        start_response(f"{status} {REASONS.get(status, 'OK')}",
                       [("Content-Type", content_type), ("Content-Length", str(len(payload)))])
        return [payload]

    def route(self, method: str, path: str, query: str, body: bytes, environ):
        if path == "/healthz":
            return 200, "text/plain", b"ok"
        if path.startswith("/_control/"):
            return self.control(method, path.removeprefix("/_control/"), query, body)
        gateway, _, action = path.strip("/").partition("/")
        action = action.removesuffix(".json")
        handlers = {("smsapi", "sms.do"): self.smsapi_send,
                    ("serwersms", "messages/send_sms"): self.serwersms_send,
                    ("serwersms", "messages/reports"): self.serwersms_reports}
        handler = handlers.get((gateway, action))
        if handler is None or method not in ("GET", "POST"):
            return 404, "text/plain", b"not found"
        with self.lock:
            self.stats[gateway]["requests"] += 1
            fault = self.faults.get(gateway)
            if fault:
                if fault["count"] is not None:
                    fault["count"] -= 1
                    if fault["count"] <= 0:
                        del self.faults[gateway]
                self.stats[gateway]["faults"] += 1
        if fault:
            if fault["mode"] == "down":
                return 503, "text/plain", b"service unavailable"
            return 500, "text/plain", b"internal server error"
        if environ.get("HTTP_AUTHORIZATION", "") != f"Bearer {self.token}":
            if gateway == "smsapi":
                return _json(401, {"error": 101, "message": "Authorization failed"})
            return _json(401, {"error": {"code": 1001, "type": "InvalidUser",
                                         "message": "Incorrect login or password"}})
        return handler(query, body)

    # -- SMSAPI --------------------------------------------------------------------------------
    def smsapi_send(self, query: str, body: bytes):
        form = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        form.update({k: v[-1] for k, v in
                     parse_qs(body.decode("utf-8"), keep_blank_values=True).items()})
        text = form.get("message", "")
        if not text:
            return _json(200, {"error": 11, "message": "Message is empty"})
        numbers = [n.strip() for n in form.get("to", "").split(",") if n.strip()]
        if len(numbers) > SMSAPI_MAX_NUMBERS:
            return _json(200, {"error": 19, "message": "Too many messages in one request"})
        idx = form["idx"].split("|") if form.get("idx") else [""] * len(numbers)
        if len(idx) != len(numbers):
            return _json(200, {"error": 20, "message": "Invalid number of idx values"})
        if form.get("normalize") == "1":
            text = to_gsm7(text)
        length = measure(text)
        sender, notify_url = form.get("from", "Info"), form.get("notify_url", "")
        if notify_url and not notify_url.startswith(("http://", "https://")):
            return _json(200, {"error": 18, "message": "notify_url must be http(s)"})
        listed, invalid = [], []
        with self.lock:
            known = self.by_custom_id["smsapi"]
            if form.get("check_idx") == "1" and any(i and i in known for i in idx):
                self.stats["smsapi"]["duplicates"] += 1
                return _json(200, {"error": 53, "message": "Non-unique idx: a message with "
                                                           "this idx was already accepted"})
            now = time.time()
            for submitted, custom_id in zip(numbers, idx, strict=True):
                number = submitted.lstrip("+")
                if len(number) == 9:
                    number = "48" + number
                if not MOBILE.match(number):
                    invalid.append({"number": number, "submitted_number": submitted,
                                    "message": "Invalid phone number"})
                    continue
                message_id = f"{next(self.ids):020d}"
                entry = {"gateway": "smsapi", "to": number, "text": text, "idx": custom_id,
                         "id": message_id, "parts": length.parts, "encoding": length.encoding,
                         "sender": sender}
                self.log["smsapi"].append(entry)
                if custom_id:
                    known[custom_id] = entry
                listed.append({"id": message_id, "points": round(0.16 * length.parts, 2),
                               "number": number, "date_sent": int(now),
                               "submitted_number": submitted, "status": "QUEUE",
                               "error": None, "idx": custom_id or None,
                               "parts": length.parts})
                if notify_url:
                    self.pending.append((now + self.report_delay, self.generation, "smsapi",
                                         notify_url, entry))
            self.stats["smsapi"]["accepted"] += len(listed)
            self.stats["smsapi"]["rejected"] += len(invalid)
        if not listed:
            return _json(200, {"error": 13, "message": "No correct phone numbers"})
        answer = {"count": len(listed), "list": listed, "message": text,
                  "length": length.units, "parts": length.parts}
        if invalid:
            answer["invalid_numbers"] = invalid
        return _json(200, answer)

    # -- SerwerSMS -----------------------------------------------------------------------------
    @staticmethod
    def _serwersms_error(code: int, kind: str, message: str):
        return _json(400, {"error": {"code": code, "type": kind, "message": message}})

    def serwersms_send(self, _query: str, body: bytes):
        data = json.loads(body or b"{}")
        phones = data.get("phone") or []
        phones = [phones] if isinstance(phones, str) else list(phones)
        text = str(data.get("text") or "")
        if not phones or not text:
            return self._serwersms_error(2000, "ValidationRequiredError",
                                         "Missing required parameters")
        if len(phones) > SERWERSMS_MAX_NUMBERS:
            return self._serwersms_error(2000, "ValidationRequiredError", "Too many numbers")
        unique = data.get("unique_id")
        unique = [unique] if isinstance(unique, str) else list(unique or [])
        if unique and (len(unique) != len(phones)
                       or not all(UNIQUE_ID.match(str(u)) for u in unique)):
            return self._serwersms_error(1006, "InvalidData", "Invalid unique_id")
        unique = unique or [""] * len(phones)
        if not data.get("utf"):
            text = text.encode("gsm03.38", errors="replace").decode("gsm03.38")
        length = measure(text)
        sender = str(data.get("sender") or "")
        items, queued = [], 0
        stamp = datetime.now(WARSAW).strftime("%Y-%m-%d %H:%M:%S")
        with self.lock:
            callback = self.callbacks.get("serwersms", "")
            now = time.time()
            for phone, custom_id in zip(phones, unique, strict=True):
                number = str(phone).lstrip("+")
                if len(number) == 9:
                    number = "48" + number
                if not MOBILE.match(number):
                    items.append({"id": None, "phone": str(phone), "status": "unsent",
                                  "queued": None, "parts": length.parts, "error_code": 2001,
                                  "error_message": "Invalid phone number", "text": text})
                    continue
                message_id = f"{next(self.ids):010x}"
                entry = {"gateway": "serwersms", "to": number, "text": text,
                         "idx": custom_id, "id": message_id, "parts": length.parts,
                         "encoding": length.encoding, "sender": sender, "queued": stamp}
                self.log["serwersms"].append(entry)
                if custom_id:
                    self.by_custom_id["serwersms"][custom_id] = entry
                items.append({"id": message_id, "phone": "+" + number, "status": "queued",
                              "queued": stamp, "parts": length.parts, "error_code": None,
                              "error_message": None, "text": text})
                queued += 1
                if callback:
                    self.pending.append((now + self.report_delay, self.generation,
                                         "serwersms", callback, entry))
            self.stats["serwersms"]["accepted"] += queued
            self.stats["serwersms"]["rejected"] += len(items) - queued
        return _json(200, {"success": True, "queued": queued, "unsent": len(items) - queued,
                           "items": items if data.get("details") else []})

    def serwersms_reports(self, _query: str, body: bytes):
        data = json.loads(body or b"{}")
        wanted_unique = data.get("unique_id") or []
        wanted_unique = [wanted_unique] if isinstance(wanted_unique, str) else wanted_unique
        wanted_ids = data.get("id") or []
        wanted_ids = {wanted_ids} if isinstance(wanted_ids, str) else set(wanted_ids)
        if len(wanted_unique) > 500 or len(wanted_ids) > 500:
            return self._serwersms_error(1006, "InvalidData", "Too many ids")
        with self.lock:
            known = self.by_custom_id["serwersms"]
            entries = [known[u] for u in wanted_unique if u in known]
            if wanted_ids:
                entries += [e for e in self.log["serwersms"] if e["id"] in wanted_ids]
        items = [{"id": e["id"], "phone": "+" + e["to"], "status": self._serwersms_status(e),
                  "queued": e["queued"], "sender": e["sender"], "type": "full",
                  "text": e["text"], "parts": e["parts"]} for e in entries]
        return _json(200, {"paging": {"page": 1, "count": 1}, "items": items})

    @staticmethod
    def _serwersms_status(entry: dict) -> str:
        if "reported" not in entry:
            return "sent"
        return "undelivered" if entry["to"].endswith("0000000") else "delivered"

    # -- delivery reports ------------------------------------------------------------------------
    def _dispatch(self) -> None:
        while True:
            time.sleep(0.05)
            now, due = time.time(), []
            with self.lock:
                while self.pending and self.pending[0][0] <= now:
                    due.append(self.pending.popleft())
            groups: dict[tuple, list] = {}
            for _due, generation, gateway, url, entry in due:
                groups.setdefault((generation, gateway, url), []).append(entry)
            for (generation, gateway, url), entries in groups.items():
                size = max(1, self.batch_sizes[gateway])
                for start in range(0, len(entries), size):
                    self.senders.submit(self._deliver, generation, gateway, url,
                                        entries[start:start + size])

    def _deliver(self, generation: int, gateway: str, url: str, entries: list[dict]) -> None:
        stamp = time.time()
        for entry in entries:
            entry["reported"] = stamp
        if gateway == "smsapi":
            failed = [e["to"].endswith("0000000") for e in entries]
            params = {
                "MsgId": ",".join(e["id"] for e in entries),
                "status": ",".join("405" if f else "404" for f in failed),
                "status_name": ",".join("UNDELIVERED" if f else "DELIVERED" for f in failed),
                "idx": ",".join(e["idx"] for e in entries),
                "donedate": ",".join(str(int(stamp)) for _ in entries),
                "to": ",".join(e["to"] for e in entries),
                "from": ",".join(e["sender"] for e in entries),
                "points": ",".join(str(round(0.16 * e["parts"], 2)) for e in entries),
                "username": ",".join("simulator" for _ in entries),
                "mcc": ",".join("260" for _ in entries),
                "mnc": ",".join("2" for _ in entries)}
            separator = "&" if urlsplit(url).query else "?"
            request = urllib.request.Request(  # noqa: S310 - http(s) only, checked on entry
                url + separator + urlencode(params))
        else:
            when = datetime.fromtimestamp(stamp, WARSAW).strftime("%Y-%m-%d %H:%M:%S")
            items = [{"type": "message", "message_id": e["id"], "unique_id": e["idx"],
                      "phone": "+" + e["to"], "status": self._serwersms_status(e),
                      "stamp": when,
                      "reason": "message_expired" if e["to"].endswith("0000000") else ""}
                     for e in entries]
            request = urllib.request.Request(  # noqa: S310 - http(s) only, checked on entry
                url, data=json.dumps({"items": items}).encode(), method="POST",
                headers={"Content-Type": "application/json"})
        for attempt in range(len(RETRY_DELAYS) + 1):
            try:
                with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
                    text = answer.read().decode(errors="replace").strip()
                ok = text == "OK" if gateway == "smsapi" else True
            except OSError:
                ok = False
            with self.lock:
                if generation != self.generation:
                    return
                self.stats[gateway]["callbacks"] += 1
                if ok:
                    self.stats[gateway]["reports_delivered"] += len(entries)
                    return
                self.stats[gateway]["callback_failures"] += 1
            if attempt < len(RETRY_DELAYS):
                time.sleep(RETRY_DELAYS[attempt])

    # -- control ---------------------------------------------------------------------------------
    def control(self, method: str, action: str, query: str, body: bytes):
        data = json.loads(body or b"{}") if method == "POST" else {}
        if (method, action) == ("POST", "fault"):
            gateway, mode = data.get("gateway"), data.get("mode")
            if gateway not in GATEWAYS or mode not in ("down", "error500", "ok"):
                return _json(400, {"error": "gateway must be smsapi|serwersms and mode "
                                            "down|error500|ok"})
            with self.lock:
                if mode == "ok":
                    self.faults.pop(gateway, None)
                else:
                    self.faults[gateway] = {"mode": mode, "count": int(data["count"])
                                            if data.get("count") else None}
            return _json(200, {"gateway": gateway, "mode": mode})
        if (method, action) == ("POST", "callback"):
            if data.get("gateway") != "serwersms":
                return _json(400, {"error": "only serwersms has a panel callback URL"})
            if data.get("url") and not str(data["url"]).startswith(("http://", "https://")):
                return _json(400, {"error": "the callback URL must be http(s)"})
            with self.lock:
                self.callbacks["serwersms"] = str(data.get("url") or "")
            return _json(200, {"gateway": "serwersms", "url": self.callbacks["serwersms"]})
        if (method, action) == ("POST", "reset"):
            self.reset()
            return _json(200, {"reset": True})
        if (method, action) == ("GET", "log"):
            gateway = parse_qs(query).get("gateway", [""])[0]
            with self.lock:
                entries = [e for name in GATEWAYS if gateway in ("", name)
                           for e in self.log[name]]
                rows = [{key: e[key] for key in ("gateway", "to", "text", "idx", "id",
                                                 "parts", "encoding", "sender")}
                        for e in entries]
            return _json(200, rows)
        if (method, action) == ("GET", "stats"):
            with self.lock:
                stats = {name: dict(counters) for name, counters in self.stats.items()}
                stats["pending_reports"] = len(self.pending)
            return _json(200, stats)
        return 404, "text/plain", b"not found"


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 64


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


def serve(simulator: Simulator, host: str, port: int):
    return make_server(host, port, simulator, server_class=_Server,
                       handler_class=_QuietHandler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--token", default="dev-token")
    parser.add_argument("--report-delay", type=float, default=0.2)
    parser.add_argument("--smsapi-report-batch", type=int, default=5)
    parser.add_argument("--serwersms-report-batch", type=int, default=100)
    parser.add_argument("--serwersms-callback", default="")
    args = parser.parse_args(argv)
    if args.serwersms_callback and not args.serwersms_callback.startswith(("http://",
                                                                         "https://")):
        parser.error("--serwersms-callback must be an http(s) URL")
    simulator = Simulator(token=args.token, report_delay=args.report_delay,
                          smsapi_report_batch=args.smsapi_report_batch,
                          serwersms_report_batch=args.serwersms_report_batch,
                          serwersms_callback=args.serwersms_callback)
    host = "127.0.0.1"  # never on another interface
    server = serve(simulator, host, args.port)
    base_url = f"http://{host}:{args.port}"
    print(f"SMS gateway simulator on {base_url} (gateway urls {base_url}/smsapi and "
          f"{base_url}/serwersms) ready", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A local stand-in for Przelewy24's REST API v1 and its payer page, for the demo and the
tests. Not Django: a small WSGI app in its own process, state in memory. It implements the
protocol on its own (it shares no code with the platform's adapter), so a mistake in the
adapter shows.

    python -m ratusz.payments.gateway_simulator --port 8093 --merchants merchants.json

Merchants: a JSON list of {"merchantId", "posId", "apiKey", "crc"} read from
`--merchants` (read again when it changes) or added with POST /_control/merchants.

- POST /api/v1/transaction/register (Basic posId:apiKey): the sign is SHA-384 of
  {"sessionId","merchantId","amount","currency","crc"}; answers {"data": {"token"},
  "responseCode": 0}.
- GET /trnRequest/{token}: the payer's page (Polish) to pay, refuse or abandon. Paying
  sends the signed notification to urlStatus (again in the background until it gets 200)
  and returns the payer to urlReturn; refusing sends the card notification with an error
  code to urlCardPaymentNotification, if given; abandoning sends nothing.
- PUT /api/v1/transaction/verify: checks the sign over {"sessionId","orderId","amount",
  "currency","crc"} and the amount; {"data": {"status": "success"}}.
- GET /api/v1/transaction/by/sessionId/{id}: status 0 (no payment), 1 (paid, not
  verified), 2 (verified), 3 (returned).
- GET /api/v1/testAccess: {"data": true} for good credentials.

Control (JSON): POST /_control/merchants [{...}], POST /_control/pay {"token" or
"sessionId", "action": pay|refuse|abandon, "notify": bool} (the payer's choice without a
browser; `notify` false: the gateway sends nothing),
POST /_control/notify {"sessionId", "forge": bool, "amount": int, "dry": bool} (send the
notification again, forged or with another amount; `dry`: answer with it instead;
`refusal`: answer with the refusal's notification),
POST /_control/fault {"mode": down|ok, "count"}, GET /_control/log, GET /_control/stats,
POST /_control/reset, GET /healthz.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import hmac
import html
import itertools
import json
import os
import sys
import threading
import time
import urllib.request
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

REASONS = {200: "OK", 201: "Created", 303: "See Other", 400: "Bad Request",
           401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
           409: "Conflict", 503: "Service Unavailable"}
REGISTER_REQUIRED = ("merchantId", "posId", "sessionId", "amount", "currency", "description",
                     "email", "country", "language", "urlReturn", "sign")
RETRY_DELAYS = (1.0, 3.0, 10.0, 30.0)
ERROR_CODE, ERROR_MESSAGE = "err161", "Transakcja odrzucona przez bank"


def _sign(fields: dict, crc: str) -> str:
    payload = json.dumps({**fields, "crc": crc}, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha384(payload.encode()).hexdigest()


def _json(status: int, data) -> tuple[int, str, bytes, dict]:
    return status, "application/json", json.dumps(data, ensure_ascii=False).encode(), {}


def _error(status: int, message: str):
    return _json(status, {"error": message, "code": status})


def _zloty(grosze: int) -> str:
    return f"{grosze // 100:,}".replace(",", "\u00a0") + f",{grosze % 100:02d}\u00a0zł"


class Simulator:
    def __init__(self, *, merchants_file: str = "", notify_timeout: float = 10.0):
        self.merchants_file = merchants_file
        self.notify_timeout = notify_timeout
        self.lock = threading.Lock()
        self.merchants: dict[int, dict] = {}
        self.merchants_mtime = 0.0
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.transactions: dict[str, dict] = {}
            self.by_session: dict[tuple[int, str], str] = {}
            self.order_ids = itertools.count(300_000_001)
            self.log: list[dict] = []
            self.stats = {"registered": 0, "paid": 0, "refused": 0, "abandoned": 0,
                          "verified": 0, "notifications": 0, "notification_failures": 0,
                          "rejected_requests": 0}
            self.fault: dict | None = None

    # -- merchants -------------------------------------------------------------------------
    def _load_merchants(self) -> None:
        if not self.merchants_file:
            return
        try:
            mtime = os.path.getmtime(self.merchants_file)
        except OSError:
            return
        if mtime == self.merchants_mtime:
            return
        try:
            with open(self.merchants_file, encoding="utf-8") as handle:
                rows = json.load(handle)
        except (OSError, ValueError):
            return
        self.add_merchants(rows)
        self.merchants_mtime = mtime

    def add_merchants(self, rows) -> int:
        added = 0
        for row in rows if isinstance(rows, list) else []:
            try:
                merchant = {"merchantId": int(row["merchantId"]),
                            "posId": int(row.get("posId") or row["merchantId"]),
                            "apiKey": str(row["apiKey"]), "crc": str(row["crc"])}
            except (KeyError, TypeError, ValueError):
                continue
            self.merchants[merchant["merchantId"]] = merchant
            added += 1
        return added

    def _merchant(self, merchant_id) -> dict | None:
        if merchant_id not in self.merchants:
            self._load_merchants()
        return self.merchants.get(merchant_id)

    def _authenticated(self, environ) -> dict | None:
        header = environ.get("HTTP_AUTHORIZATION", "")
        if not header.startswith("Basic "):
            return None
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            pos_id = int(user)
        except (ValueError, UnicodeDecodeError):
            return None
        self._load_merchants()
        for merchant in self.merchants.values():
            if merchant["posId"] == pos_id and hmac.compare_digest(merchant["apiKey"],
                                                                   password):
                return merchant
        return None

    # -- HTTP ------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(min(length, 1_000_000)) if length else b""
        try:
            status, content_type, payload, headers = self.route(method, path, body, environ)
        except Exception as error:  # noqa: BLE001 - answer, never crash the server
            status, content_type, payload, headers = _error(400, repr(error))
        start_response(f"{status} {REASONS.get(status, 'OK')}",
                       [("Content-Type", content_type), ("Content-Length", str(len(payload))),
                        *headers.items()])
        return [payload]

    def route(self, method: str, path: str, body: bytes, environ):
        if path == "/healthz":
            return 200, "text/plain", b"ok", {}
        if path.startswith("/_control/"):
            return self.control(method, path.removeprefix("/_control/"), body, environ)
        if path.startswith("/trnRequest/"):
            return self.payer_page(method, path.removeprefix("/trnRequest/"), body)
        if not path.startswith("/api/v1/"):
            return _error(404, "Not found")
        action = path.removeprefix("/api/v1/")
        if self.fault is not None:
            with self.lock:
                fault = self.fault
                if fault and fault.get("count"):
                    fault["count"] -= 1
                    if fault["count"] <= 0:
                        self.fault = None
            if fault and fault["mode"] == "down":
                return _error(503, "Service unavailable")
        merchant = self._authenticated(environ)
        if merchant is None:
            with self.lock:
                self.stats["rejected_requests"] += 1
            return _error(401, "Incorrect authentication")
        if (method, action) == ("POST", "transaction/register"):
            return self.register(merchant, body)
        if (method, action) == ("PUT", "transaction/verify"):
            return self.verify(merchant, body)
        if method == "GET" and action.startswith("transaction/by/sessionId/"):
            return self.by_session_id(merchant, action.rsplit("/", 1)[-1])
        if (method, action) == ("GET", "testAccess"):
            return _json(200, {"data": True, "error": ""})
        return _error(404, "Not found")

    # -- the API ---------------------------------------------------------------------------
    def register(self, merchant: dict, body: bytes):
        try:
            data = json.loads(body)
        except ValueError:
            return _error(400, "Invalid JSON")
        missing = [name for name in REGISTER_REQUIRED if name not in data]
        if missing:
            return _error(400, f"Missing parameters: {', '.join(missing)}")
        if data["merchantId"] != merchant["merchantId"] or data["posId"] != merchant["posId"]:
            return _error(400, "Incorrect merchantId or posId")
        if not isinstance(data["amount"], int) or isinstance(data["amount"], bool) \
                or data["amount"] <= 0:
            return _error(400, "Incorrect amount")
        expected = _sign({"sessionId": data["sessionId"], "merchantId": data["merchantId"],
                          "amount": data["amount"], "currency": data["currency"]},
                         merchant["crc"])
        if not hmac.compare_digest(expected, str(data["sign"])):
            return _error(400, "Incorrect CRC value")
        key = (merchant["merchantId"], str(data["sessionId"]))
        with self.lock:
            if key in self.by_session:
                return _error(409, "Transaction with this sessionId already registered")
            token = base64.b32encode(os.urandom(15)).decode().rstrip("=")
            self.transactions[token] = {
                "token": token, "merchantId": merchant["merchantId"],
                "posId": merchant["posId"], "sessionId": str(data["sessionId"]),
                "amount": data["amount"], "currency": data["currency"],
                "description": str(data["description"])[:1024], "email": data["email"],
                "client": data.get("client", ""), "urlReturn": data["urlReturn"],
                "urlStatus": data.get("urlStatus", ""),
                "urlCard": data.get("urlCardPaymentNotification", ""),
                "orderId": next(self.order_ids), "status": "registered",
                "registeredAt": time.time(), "methodId": 25, "paidAt": None}
            self.by_session[key] = token
            self.stats["registered"] += 1
            self.log.append({"event": "register", "sessionId": str(data["sessionId"]),
                             "amount": data["amount"]})
        return _json(200, {"data": {"token": token}, "responseCode": 0})

    def verify(self, merchant: dict, body: bytes):
        try:
            data = json.loads(body)
        except ValueError:
            return _error(400, "Invalid JSON")
        for name in ("merchantId", "posId", "sessionId", "amount", "currency", "orderId",
                     "sign"):
            if name not in data:
                return _error(400, f"Missing parameter: {name}")
        expected = _sign({"sessionId": data["sessionId"], "orderId": data["orderId"],
                          "amount": data["amount"], "currency": data["currency"]},
                         merchant["crc"])
        if not hmac.compare_digest(expected, str(data["sign"])):
            return _error(400, "Incorrect sign")
        with self.lock:
            token = self.by_session.get((merchant["merchantId"], str(data["sessionId"])))
            transaction = self.transactions.get(token or "")
            if transaction is None or transaction["orderId"] != data["orderId"]:
                return _error(400, "Transaction not found")
            if transaction["status"] not in ("paid", "verified"):
                return _error(400, "Transaction not paid")
            if transaction["amount"] != data["amount"] \
                    or transaction["currency"] != data["currency"]:
                return _error(400, "Incorrect amount")
            transaction["status"] = "verified"
            self.stats["verified"] += 1
        return _json(200, {"data": {"status": "success"}, "responseCode": 0})

    def by_session_id(self, merchant: dict, session_id: str):
        with self.lock:
            token = self.by_session.get((merchant["merchantId"], session_id))
            transaction = self.transactions.get(token or "")
            if transaction is None:
                return _error(404, "Transaction not found")
            code = {"paid": 1, "verified": 2, "returned": 3}.get(transaction["status"], 0)
            data = {"statement": f"p24-{transaction['orderId']}",
                    "orderId": transaction["orderId"] if code else 0,
                    "sessionId": session_id, "status": code, "amount": transaction["amount"],
                    "currency": transaction["currency"], "date": "", "dateOfTransaction": "",
                    "clientEmail": transaction["email"], "accountMD5": "",
                    "paymentMethod": transaction["methodId"] if code else 0,
                    "description": transaction["description"],
                    "clientName": transaction["client"], "clientAddress": "",
                    "clientCity": "", "clientPostcode": "", "batchId": 0, "fee": "0"}
        return _json(200, {"data": data, "responseCode": 0})

    # -- the payer -------------------------------------------------------------------------
    def payer_page(self, method: str, token: str, body: bytes):
        transaction = self.transactions.get(token.strip("/"))
        if transaction is None:
            return 404, "text/html; charset=utf-8", _page(
                "Nie ma takiej transakcji", "<p>Ten link do płatności jest nieważny.</p>"), {}
        if method == "POST":
            fields = parse_qs(body.decode("utf-8", errors="replace"))
            action = (fields.get("action") or [""])[0]
            outcome = self.payer_action(transaction, action)
            if outcome == "abandon":
                return 200, "text/html; charset=utf-8", _page(
                    "Płatność porzucona",
                    "<p>Nie zapłacono. Możesz zamknąć to okno albo "
                    f"<a href=\"{html.escape(transaction['urlReturn'])}\">wrócić do serwisu"
                    "</a>.</p>"), {}
            return 303, "text/plain", b"", {"Location": transaction["urlReturn"]}
        if method != "GET":
            return _error(405, "Method not allowed")
        if transaction["status"] != "registered":
            return 200, "text/html; charset=utf-8", _page(
                "Transakcja zakończona",
                f"<p>Ta transakcja jest już zakończona.</p><p><a href=\""
                f"{html.escape(transaction['urlReturn'])}\">Wróć do serwisu</a></p>"), {}
        content = (
            f"<p>Odbiorca płatności: <strong>{html.escape(transaction['description'])}"
            f"</strong></p><p>Kwota: <strong class=\"amount\">{_zloty(transaction['amount'])}"
            f"</strong></p><p>Płacący: {html.escape(transaction['client'] or '—')}</p>"
            "<form method=\"post\"><fieldset><legend>Wybierz, co zrobić</legend>"
            "<button type=\"submit\" name=\"action\" value=\"pay\">Zapłać</button> "
            "<button type=\"submit\" name=\"action\" value=\"refuse\">Odrzuć (bank odmawia)"
            "</button> "
            "<button type=\"submit\" name=\"action\" value=\"abandon\">Porzuć płatność"
            "</button></fieldset></form>"
            "<p class=\"note\">To symulator bramki płatności Przelewy24: żadne pieniądze nie "
            "są przekazywane, a dane karty nie są zbierane.</p>")
        return 200, "text/html; charset=utf-8", _page("Przelewy24 – płatność", content), {}

    def payer_action(self, transaction: dict, action: str, *, notify: bool = True) -> str:
        with self.lock:
            if transaction["status"] != "registered":
                return "done"
            if action == "pay":
                transaction["status"], transaction["paidAt"] = "paid", time.time()
                self.stats["paid"] += 1
            elif action == "refuse":
                transaction["status"] = "refused"
                self.stats["refused"] += 1
            elif action == "abandon":
                transaction["status"] = "abandoned"
                self.stats["abandoned"] += 1
            else:
                return "unknown"
            self.log.append({"event": action, "sessionId": transaction["sessionId"]})
        if action == "pay" and notify:
            self.notify(transaction)
        elif action == "refuse" and transaction["urlCard"] and notify:
            self.notify_refusal(transaction)
        return action

    # -- notifications ---------------------------------------------------------------------
    def notification_body(self, transaction: dict, *, forge: bool = False,
                          amount: int | None = None) -> dict:
        merchant = self.merchants[transaction["merchantId"]]
        amount = transaction["amount"] if amount is None else amount
        fields = {"merchantId": transaction["merchantId"], "posId": transaction["posId"],
                  "sessionId": transaction["sessionId"], "amount": amount,
                  "originAmount": transaction["amount"], "currency": transaction["currency"],
                  "orderId": transaction["orderId"], "methodId": transaction["methodId"],
                  "statement": f"p24-{transaction['orderId']}"}
        crc = "forged-" + merchant["crc"] if forge else merchant["crc"]
        return {**fields, "sign": _sign(fields, crc)}

    def _post(self, url: str, data: dict) -> int:
        if not url.startswith(("http://", "https://")):
            return 0
        request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
            url, data=json.dumps(data).encode(), method="POST",
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.notify_timeout) as answer:  # noqa: S310
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return 0

    def notify(self, transaction: dict, **options) -> int:
        if not transaction["urlStatus"]:
            return 0
        body = self.notification_body(transaction, **options)
        status = self._post(transaction["urlStatus"], body)
        with self.lock:
            self.stats["notifications"] += 1
            self.log.append({"event": "notification", "sessionId": transaction["sessionId"],
                             "status": status, "forged": bool(options.get("forge"))})
            if status != 200:
                self.stats["notification_failures"] += 1
        if status != 200 and not options:
            threading.Thread(target=self._retry, args=(transaction["urlStatus"], body),
                             daemon=True).start()
        return status

    def _retry(self, url: str, body: dict) -> None:
        for delay in RETRY_DELAYS:
            time.sleep(delay)
            if self._post(url, body) == 200:
                return

    def refusal_body(self, transaction: dict) -> dict:
        merchant = self.merchants[transaction["merchantId"]]
        fields = {"amount": transaction["amount"], "3ds": False, "method": 218,
                  "orderId": transaction["orderId"], "sessionId": transaction["sessionId"],
                  "errorCode": ERROR_CODE, "errorMessage": ERROR_MESSAGE}
        return {**fields, "sign": _sign(fields, merchant["crc"])}

    def notify_refusal(self, transaction: dict) -> int:
        status = self._post(transaction["urlCard"], self.refusal_body(transaction))
        with self.lock:
            self.log.append({"event": "refusal_notification",
                             "sessionId": transaction["sessionId"], "status": status})
        return status

    # -- control ---------------------------------------------------------------------------
    def _find(self, data: dict) -> dict | None:
        if data.get("token"):
            return self.transactions.get(str(data["token"]))
        for transaction in self.transactions.values():
            if transaction["sessionId"] == str(data.get("sessionId", "")):
                return transaction
        return None

    def control(self, method: str, action: str, body: bytes, environ):
        data = json.loads(body) if body else {}
        if (method, action) == ("POST", "merchants"):
            with self.lock:
                return _json(200, {"added": self.add_merchants(data)})
        if (method, action) == ("POST", "pay"):
            transaction = self._find(data)
            if transaction is None:
                return _error(404, "no such transaction")
            outcome = self.payer_action(transaction, data.get("action", "pay"),
                                        notify=data.get("notify", True))
            return _json(200, {"outcome": outcome, "urlReturn": transaction["urlReturn"]})
        if (method, action) == ("POST", "notify"):
            transaction = self._find(data)
            if transaction is None:
                return _error(404, "no such transaction")
            if data.get("refusal"):
                return _json(200, self.refusal_body(transaction))
            if data.get("dry"):
                return _json(200, self.notification_body(
                    transaction, forge=bool(data.get("forge")), amount=data.get("amount")))
            status = self.notify(transaction, forge=bool(data.get("forge")),
                                 amount=data.get("amount"))
            return _json(200, {"status": status})
        if (method, action) == ("POST", "fault"):
            with self.lock:
                self.fault = None if data.get("mode") == "ok" else {
                    "mode": data.get("mode", "down"), "count": int(data.get("count") or 0)}
            return _json(200, {"fault": self.fault})
        if (method, action) == ("POST", "reset"):
            self.reset()
            return _json(200, {"reset": True})
        if (method, action) == ("GET", "log"):
            with self.lock:
                return _json(200, list(self.log))
        if (method, action) == ("GET", "stats"):
            with self.lock:
                return _json(200, dict(self.stats))
        return _error(404, "Not found")


def _page(title: str, content: str) -> bytes:
    return ("<!DOCTYPE html><html lang=\"pl\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(title)}</title><style>"
            "body{font-family:sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;"
            "color:#1b1b1b}h1{color:#6b1d1d}button{font-size:1rem;padding:.6rem 1rem;"
            "margin:.3rem .3rem .3rem 0;border:2px solid #1b1b1b;background:#fff;"
            "color:#1b1b1b;cursor:pointer}button[value=pay]{background:#1d5b2c;color:#fff}"
            "button:focus{outline:3px solid #f2b600}fieldset{border:1px solid #767676}"
            ".note{font-size:.9rem;color:#444}</style></head><body><header><p>Przelewy24 "
            "(symulator)</p></header><main>"
            f"<h1>{html.escape(title)}</h1>{content}</main></body></html>").encode()


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


def serve(simulator: Simulator, host: str, port: int):
    return make_server(host, port, simulator, server_class=_Server,
                       handler_class=_QuietHandler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8093)
    parser.add_argument("--merchants", default="", help="a JSON file of merchants")
    args = parser.parse_args(argv)
    simulator = Simulator(merchants_file=args.merchants)
    host = "127.0.0.1"  # never on another interface
    server = serve(simulator, host, args.port)
    print(f"Przelewy24 simulator on http://{host}:{args.port} ready", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())

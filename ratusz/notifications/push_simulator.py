"""A local push service (RFC 8030) together with the browsers behind it, for development,
the tests and the benchmarks. Not Django: a small WSGI app in its own process, bound to
127.0.0.1.

    python -m ratusz.notifications.push_simulator --port 8090

Endpoints:
- POST /_control/subscribe [{"application_server_key": ...}] — a new "browser": its
  P-256 key pair and 16-byte auth secret are made here and kept; answers what
  `PushSubscription.toJSON()` gives a page:
  {"endpoint": "http://127.0.0.1:N/push/<id>", "keys": {"p256dh", "auth"}} (and "id").
  With application_server_key, pushes signed with another VAPID key get 403.
- POST /push/<id> — a push message, checked as a real push service does:
  `Authorization: vapid t=<JWT>, k=<key>` (ES256 signature by k, aud = our origin, exp in
  the future and at most 24 h ahead, sub present) → 401 when missing or wrong, 403 when the
  key differs from the subscription's applicationServerKey; a TTL header (400 without);
  `Content-Encoding: aes128gcm` (415 otherwise, 400 when it does not decrypt), a body of at
  most 4096 bytes (413). Decrypted with the browser's keys (RFC 8291) and kept; 201 with a
  Location. 404 for an unknown subscription, 410 for an expired one.
- POST /_control/expire/<id> — that subscription answers 410 from now on.
- POST /_control/fault {"mode": "error500"|"error503"|"error429"|"timeout", "count": n}
  — the next n pushes fail that way.
- GET /_control/log — what arrived: [{"id", "payload", "ttl", "urgency", "topic", ...}].
- POST /_control/reset — forget the messages, subscriptions and faults.
- GET /healthz — "ok".
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import re
import secrets
import sys
import threading
import time
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

MAX_BODY = 4096
MAX_JWT_LIFETIME = 24 * 60 * 60
FAULT_MODES = {"error500": 500, "error503": 503, "error429": 429, "timeout": None}
_PUSH = re.compile(r"^/push/([A-Za-z0-9_-]{1,64})$")
_EXPIRE = re.compile(r"^/_control/expire/([A-Za-z0-9_-]{1,64})$")
_STATUS_TEXT = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized",
                403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
                410: "Gone", 413: "Payload Too Large", 415: "Unsupported Media Type",
                429: "Too Many Requests", 500: "Internal Server Error",
                503: "Service Unavailable"}


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    text = text.strip().rstrip("=")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Refused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


def verify_vapid(header: str, audience: str, *, now: float | None = None) -> dict:
    """Check `Authorization: vapid t=<JWT>, k=<key>` (RFC 8292 §3); returns the claims
    and the raw key (under "_k"). Raises Refused(401) for anything wrong."""
    now = time.time() if now is None else now
    scheme, _, params = header.strip().partition(" ")
    if scheme.lower() != "vapid":
        raise Refused(401, "Authorization must use the vapid scheme")
    values = {}
    for part in params.split(","):
        name, _, value = part.strip().partition("=")
        values[name.strip().lower()] = value.strip()
    token, key_text = values.get("t", ""), values.get("k", "")
    if not token or not key_text:
        raise Refused(401, "vapid needs t= and k=")
    try:
        raw_key = _b64d(key_text)
        public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw_key)
        header_b64, claims_b64, signature_b64 = token.split(".")
        jwt_header = json.loads(_b64d(header_b64))
        claims = json.loads(_b64d(claims_b64))
        signature = _b64d(signature_b64)
    except (ValueError, TypeError) as error:
        raise Refused(401, f"malformed VAPID token: {error}") from error
    if jwt_header.get("alg") != "ES256" or len(signature) != 64:
        raise Refused(401, "the token must be ES256")
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"),
                               int.from_bytes(signature[32:], "big"))
    try:
        public_key.verify(der, f"{header_b64}.{claims_b64}".encode("ascii"),
                          ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as error:
        raise Refused(401, "the VAPID signature does not match k") from error
    if not isinstance(claims, dict):
        raise Refused(401, "the claims must be an object")
    if claims.get("aud") != audience:
        raise Refused(401, f"aud must be {audience}")
    exp = claims.get("exp")
    if not isinstance(exp, int) or exp <= now:
        raise Refused(401, "the token has expired")
    if exp > now + MAX_JWT_LIFETIME + 60:  # a minute for clock skew
        raise Refused(401, "exp is more than 24 hours ahead")
    if not claims.get("sub"):
        raise Refused(401, "sub is missing")
    return {**claims, "_k": raw_key}


class PushSimulator:
    def __init__(self, *, base_url: str):
        self.base_url = base_url.rstrip("/")
        self.lock = threading.Lock()
        self.timeout_seconds = 30
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.subscriptions: dict[str, dict] = {}
            self.messages: list[dict] = []
            self.fault_mode = ""
            self.fault_count = 0

    # -- WSGI ----------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            status, content_type, data, headers = self.route(method, path, body, environ)
        except Refused as refused:
            status, content_type, headers = refused.status, "application/json", []
            data = json.dumps({"code": refused.status, "error": refused.reason}).encode()
        start_response(f"{status} {_STATUS_TEXT.get(status, 'Status')}",
                       [("Content-Type", content_type), ("Content-Length", str(len(data))),
                        *headers])
        return [data]

    def route(self, method: str, path: str, body: bytes, environ: dict):
        if path == "/healthz":
            return 200, "text/plain", b"ok", []
        if method != "POST" and path != "/_control/log":
            raise Refused(405, "POST only")
        if match := _PUSH.match(path):
            return self.push(match.group(1), body, environ)
        if path == "/_control/subscribe":
            request = json.loads(body or b"{}")
            return self._json(201, self.subscribe(request.get("application_server_key", "")))
        if match := _EXPIRE.match(path):
            with self.lock:
                subscription = self.subscriptions.get(match.group(1))
                if subscription is None:
                    raise Refused(404, "no such subscription")
                subscription["expired"] = True
            return self._json(200, {"id": match.group(1), "expired": True})
        if path == "/_control/fault":
            request = json.loads(body or b"{}")
            mode, count = request.get("mode", ""), int(request.get("count", 1))
            if mode and mode not in FAULT_MODES:
                raise Refused(400, f"mode: one of {sorted(FAULT_MODES)}")
            with self.lock:
                self.fault_mode, self.fault_count = mode, (count if mode else 0)
            return self._json(200, {"mode": mode, "count": self.fault_count})
        if path == "/_control/log":
            if method != "GET":
                raise Refused(405, "GET only")
            with self.lock:
                return self._json(200, list(self.messages))
        if path == "/_control/reset":
            self.reset()
            return self._json(200, {"reset": True})
        raise Refused(404, "not found")

    @staticmethod
    def _json(status: int, data) -> tuple:
        return status, "application/json", json.dumps(data, ensure_ascii=False).encode(), []

    # -- the browser side ------------------------------------------------------------------
    def subscribe(self, application_server_key: str = "") -> dict:
        key = ec.generate_private_key(ec.SECP256R1())
        auth = secrets.token_bytes(16)
        ident = secrets.token_urlsafe(16)
        public = key.public_key().public_bytes(serialization.Encoding.X962,
                                               serialization.PublicFormat.UncompressedPoint)
        with self.lock:
            self.subscriptions[ident] = {"key": key, "auth": auth, "expired": False,
                                         "server_key": application_server_key}
        return {"id": ident, "endpoint": f"{self.base_url}/push/{ident}",
                "keys": {"p256dh": _b64e(public), "auth": _b64e(auth)}}

    # -- the push service ------------------------------------------------------------------
    def push(self, ident: str, body: bytes, environ: dict):
        import http_ece

        with self.lock:
            subscription = self.subscriptions.get(ident)
        if subscription is None:
            raise Refused(404, "no such subscription")
        if subscription["expired"]:
            raise Refused(410, "the subscription has expired")
        claims = verify_vapid(environ.get("HTTP_AUTHORIZATION", ""), self.base_url)
        if subscription["server_key"] and \
                _b64e(claims["_k"]) != subscription["server_key"].rstrip("="):
            raise Refused(403, "k is not the applicationServerKey of this subscription")
        ttl_text = environ.get("HTTP_TTL", "")
        if not ttl_text.strip().isdigit():
            raise Refused(400, "the TTL header is required (seconds, a whole number)")
        if len(body) > MAX_BODY:
            raise Refused(413, f"the body is {len(body)} bytes, at most {MAX_BODY}")
        urgency = environ.get("HTTP_URGENCY", "normal")
        if urgency not in ("very-low", "low", "normal", "high"):
            raise Refused(400, "Urgency: very-low, low, normal or high")
        topic = environ.get("HTTP_TOPIC") or None
        if topic is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", topic):
            raise Refused(400, "Topic: at most 32 base64url characters")
        payload = None
        if body:
            if environ.get("HTTP_CONTENT_ENCODING", "").lower() != "aes128gcm":
                raise Refused(415, "Content-Encoding must be aes128gcm")
            try:
                plaintext = http_ece.decrypt(body, private_key=subscription["key"],
                                             auth_secret=subscription["auth"],
                                             version="aes128gcm")
            except Exception as error:  # noqa: BLE001 - any failure is the sender's
                raise Refused(400, f"the message does not decrypt: {error}") from error
            try:
                payload = json.loads(plaintext)
            except ValueError:
                payload = plaintext.decode("utf-8", errors="replace")
        with self.lock:
            mode = self.fault_mode if self.fault_count > 0 else ""
            if mode:
                self.fault_count -= 1
        if mode:
            if mode == "timeout":
                time.sleep(self.timeout_seconds)
            raise Refused(FAULT_MODES[mode] or 500, f"simulated fault: {mode}")
        with self.lock:
            message_id = secrets.token_urlsafe(12)
            self.messages.append({"id": ident, "message_id": message_id, "payload": payload,
                                  "ttl": int(ttl_text), "urgency": urgency, "topic": topic,
                                  "sub": claims.get("sub"), "at": time.time()})
        location = f"{self.base_url}/m/{message_id}"
        return 201, "text/plain", b"", [("Location", location), ("TTL", ttl_text.strip())]


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


def serve(simulator: PushSimulator, host: str, port: int):
    return make_server(host, port, simulator, server_class=_Server,
                       handler_class=_QuietHandler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", choices=["127.0.0.1"])
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args(argv)
    base_url = f"http://{args.host}:{args.port}"
    server = serve(PushSimulator(base_url=base_url), args.host, args.port)
    print(f"push service simulator on {base_url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())

__all__ = ["PushSimulator", "main", "serve", "verify_vapid"]

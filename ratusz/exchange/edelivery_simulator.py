"""A local stand-in for the national e-Doręczenia service (the UA API of a mailbox, the
address base, the public hybrid service) and for ePUAP's pull service of an office's
inbox (ESP), for development, the demo and the tests. Not Django: a threaded stdlib HTTP
server in its own process; its state is an SQLite file, so a stopped and restarted
simulator keeps every mailbox, message and evidence.

    python -m ratusz.exchange.edelivery_simulator --port 8095 --token dev-token \
        --key-dir var/exchange --state var/exchange/simulator.sqlite3

UA API subset (REST/JSON under /api/v1/{eDeliveryAddress}/, `Authorization: Bearer`):
POST drafts (Message) → {"messageId"}; POST drafts/send {"messageId"} → 202
{"messageTaskId"} (a draft already sent answers 400 with code MESSAGE_ALREADY_SENT);
GET messages?label=INBOX|SENT&format=minimal|metadata&offset&limit; GET
messages/{id[,id…]}?format=fullExtended (up to 50 ids); DELETE messages/{id[,id…]};
GET messages/{id}/evidences → {"evidences": [...]}; GET evidences/purde|puh/{evidenceId}
→ the signed XML. Hybrid (PUH) messages use the same calls with `shippingService: hybrid`
and a postal address. The address base: GET /bae/api/v1/addresses?q=… (our shape; the
national base's search API was not verified).

ePUAP pull (SOAP 1.1, POST /epuap/pull, SOAPAction …/oczekujaceDokumenty, …/pobierzNastepny,
…/potwierdzOdebranie; namespace http://wsdl.epuap.gov.pl/obiekty/). WS-Security is not
checked.

Control (JSON, for tests and the demo): POST /_control/mailboxes {"ade", "name",
"public_body", "epuap_box"}; POST /_control/open {"ade", "message_id"} (the addressee
opens it as a citizen would); POST /_control/advance {"days"} (the simulator's clock);
POST /_control/hybrid/deliver {"message_id"}; POST /_control/epuap/submit {"box",
"sender", "document": {"name", "type", "content"}}; POST /_control/fault {"mode":
down|drop|ok, "count", "after"} ("after" requests pass first; "drop" does the work and
loses the answer); POST /_control/evidence/forge {"message_id"}; GET
/_control/stats; GET /healthz.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import socket
import sqlite3
import threading
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from lxml import etree

from ratusz.exchange import evidence as ev
from ratusz.exchange.ade import is_valid_ade
from ratusz.exchange.keys import ensure_provider_keys

#: Extensions of the regulation on electronic documents (Rozporządzenie Prezesa RM
#: z 22 stycznia 2018 r., shared/domain.md §5.1), in lower case.
ALLOWED_EXTENSIONS = {
    "7z", "avi", "cades", "css", "csv", "dgn", "doc", "docx", "dwf", "dwg", "dxf", "geotiff",
    "gif", "gml", "gz", "html", "jp2", "jpg", "m4a", "mp3", "mp4", "mpg", "odp", "ods",
    "odt", "ogg", "pades", "pdf", "png", "ppt", "pptx", "rng", "rtf", "svg", "tar", "tif",
    "txt", "wav", "xades", "xhtml", "xls", "xlsx", "xml", "xmlenc", "xmlsig", "xps", "xsd",
    "xsl", "xslt", "zip"}
DEEMED_AFTER = timedelta(days=14)
MAX_BODY = 60 * 1024 * 1024
EPUAP_NS = "http://wsdl.epuap.gov.pl/obiekty/"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
STATUS = {"accepted": "Nadana", "rejected": "Odrzucona", "waiting": "Czeka na doręczenie",
          "delivered": "Doręczona", "deemed": "Uznana za doręczoną",
          "hybrid": "Przekazana do realizacji"}

SCHEMA = """
CREATE TABLE IF NOT EXISTS mailbox (ade TEXT PRIMARY KEY, name TEXT, public_body INTEGER,
    epuap_box TEXT);
CREATE TABLE IF NOT EXISTS message (box TEXT, id TEXT, folder TEXT, shipping TEXT,
    sender_ade TEXT, sender_name TEXT, recipient_ade TEXT, recipient_name TEXT,
    recipient_address TEXT, subject TEXT, body TEXT, attachments TEXT, additional TEXT,
    status TEXT, reason TEXT, digest TEXT, created_at TEXT, submitted_at TEXT,
    available_at TEXT, received_at TEXT, opened INTEGER DEFAULT 0, deleted INTEGER DEFAULT 0,
    task_id TEXT, seq INTEGER, PRIMARY KEY (box, id));
CREATE INDEX IF NOT EXISTS message_folder ON message (box, folder, deleted, seq);
CREATE TABLE IF NOT EXISTS evidence (id TEXT PRIMARY KEY, box TEXT, message_id TEXT,
    kind TEXT, event_at TEXT, created_at TEXT, xml BLOB, downloaded INTEGER DEFAULT 0);
CREATE INDEX IF NOT EXISTS evidence_message ON evidence (box, message_id);
CREATE TABLE IF NOT EXISTS epuap (id INTEGER PRIMARY KEY AUTOINCREMENT, box TEXT,
    sender TEXT, sent_at TEXT, name TEXT, type TEXT, content BLOB, upp BLOB,
    confirmed INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS setting (name TEXT PRIMARY KEY, value TEXT);
"""


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Simulator:
    def __init__(self, *, token: str, key_dir: str, state: str):
        self.token = token
        keys = ensure_provider_keys(key_dir)
        self.key_pem = keys["key"].read_bytes()
        self.cert_pem = keys["cert"].read_bytes()
        self.lock = threading.RLock()
        self.db = sqlite3.connect(state, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self.fault = {"mode": "ok", "count": 0}
        self.stats = {"requests": 0, "sent": 0, "rejected": 0, "delivered": 0, "faults": 0,
                      "epuap_confirmed": 0}
        row = self.db.execute("SELECT value FROM setting WHERE name='clock'").fetchone()
        self.clock_offset = timedelta(seconds=float(row[0])) if row else timedelta()
        self.seq = (self.db.execute("SELECT MAX(seq) FROM message").fetchone()[0] or 0)

    # --- time, ids ---------------------------------------------------------------------
    def now(self) -> datetime:
        return datetime.now(UTC) + self.clock_offset

    @staticmethod
    def new_id() -> str:
        return str(uuid.uuid4()).upper()

    # --- mailboxes ---------------------------------------------------------------------
    def add_mailbox(self, ade: str, name: str, public_body: bool, epuap_box: str = "") -> None:
        if not is_valid_ade(ade):
            raise Refused(400, "INVALID_ADE", f"not an ADE: {ade}")
        with self.lock:
            self.db.execute("INSERT INTO mailbox VALUES (?,?,?,?) ON CONFLICT(ade) DO UPDATE "
                            "SET name=excluded.name, public_body=excluded.public_body, "
                            "epuap_box=excluded.epuap_box",
                            (ade, name, int(public_body), epuap_box))

    def mailbox(self, ade: str):
        return self.db.execute("SELECT ade, name, public_body, epuap_box FROM mailbox "
                               "WHERE ade=?", (ade,)).fetchone()

    def search_addresses(self, query: str) -> list[dict]:
        query = (query or "").strip()
        rows = self.db.execute(
            "SELECT ade, name, public_body FROM mailbox WHERE ade=? OR name LIKE ? "
            "ORDER BY name LIMIT 20", (query.upper(), f"%{query}%")).fetchall()
        return [{"eDeliveryAddress": r[0], "name": r[1], "publicBody": bool(r[2])}
                for r in rows]

    # --- evidences ---------------------------------------------------------------------
    def _evidence(self, box: str, message: dict, kind: str, *, received_at=None,
                  receipt_kind: str = "", reason: str = "", event_at=None,
                  signed: tuple[str, bytes] | None = None) -> tuple[str, bytes]:
        now = self.now()
        if signed is not None:
            self.db.execute("INSERT INTO evidence (id, box, message_id, kind, event_at, "
                            "created_at, xml) VALUES (?,?,?,?,?,?,?)",
                            (f"{signed[0]}-{box[-8:]}", box, message["id"], kind,
                             (event_at or now).isoformat(), now.isoformat(), signed[1]))
            return signed
        evidence_id = self.new_id()
        facts = ev.EvidenceFacts(
            evidence_id=evidence_id, kind=kind, message_id=message["id"],
            service="PUH" if message["shipping"] == "hybrid" else "PURDE",
            issued_at=now, event_at=event_at or now,
            sender=ev.Party(message["sender_name"], message["sender_ade"]),
            recipient=ev.Party(message["recipient_name"], message["recipient_ade"] or "",
                               message["recipient_address"] or ""),
            digest=message["digest"],
            submitted_at=datetime.fromisoformat(message["submitted_at"])
            if message.get("submitted_at") else None,
            received_at=received_at, receipt_kind=receipt_kind,
            delivering_service="PUH" if message["shipping"] == "hybrid" else "PURDE"
            if received_at else "", reason=reason)
        xml = (ev.sign_evidence(facts, key_pem=self.key_pem, cert_chain_pem=[self.cert_pem])
               if kind in ev.KEPT_KINDS else b"")
        self.db.execute("INSERT INTO evidence (id, box, message_id, kind, event_at, "
                        "created_at, xml) VALUES (?,?,?,?,?,?,?)",
                        (evidence_id, box, message["id"], kind, (event_at or now).isoformat(),
                         now.isoformat(), xml))
        return evidence_id, xml

    # --- drafts and sending ------------------------------------------------------------
    def create_draft(self, box: str, body: dict) -> str:
        if self.mailbox(box) is None:
            raise Refused(404, "ADDRESS_NOT_FOUND", "no such mailbox")
        metadata = body.get("messageMetadata") or {}
        recipients = metadata.get("to") or []
        if len(recipients) != 1:
            raise Refused(400, "ONE_RECIPIENT", "exactly one recipient per message here")
        to = recipients[0]
        shipping = metadata.get("shippingService", "electronic")
        if shipping not in ("electronic", "hybrid"):
            raise Refused(400, "SHIPPING_SERVICE", "shippingService: electronic or hybrid")
        attachments = []
        for item in body.get("attachments") or []:
            file = (item.get("file") or {})
            meta = file.get("fileMetadata") or {}
            try:
                content = base64.b64decode(file.get("file") or "", validate=True)
            except ValueError:
                raise Refused(400, "ATTACHMENT", "an attachment is not base64") from None
            attachments.append({"name": meta.get("filename") or "plik",
                                "contentType": meta.get("contentType") or "",
                                "content": base64.b64encode(content).decode()})
        address = to.get("address")
        sender = self.mailbox(box)
        message_id = self.new_id()
        digest = ev.message_digest(metadata.get("subject") or "", body.get("textBody") or "",
                                   [(a["name"], base64.b64decode(a["content"]))
                                    for a in attachments])
        with self.lock:
            self.seq += 1
            self.db.execute(
                "INSERT INTO message (box, id, folder, shipping, sender_ade, sender_name, "
                "recipient_ade, recipient_name, recipient_address, subject, body, "
                "attachments, additional, status, digest, created_at, seq) VALUES "
                "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (box, message_id, "DRAFT", shipping, box, sender[1],
                 to.get("eDeliveryAddress") or "",
                 (to.get("contributor") or {}).get("name") or "",
                 json.dumps(address, ensure_ascii=False) if address else "",
                 metadata.get("subject") or "", body.get("textBody") or "",
                 json.dumps(attachments), json.dumps(metadata.get("additionalData") or {}),
                 "draft", digest, self.now().isoformat(), self.seq))
        return message_id

    def _row(self, box: str, message_id: str) -> dict | None:
        cursor = self.db.execute("SELECT * FROM message WHERE box=? AND id=?",
                                 (box, message_id))
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([c[0] for c in cursor.description], row, strict=True))

    def send_draft(self, box: str, message_id: str) -> str:
        with self.lock:
            message = self._row(box, message_id)
            if message is None:
                raise Refused(404, "MESSAGE_NOT_FOUND", "no such draft")
            if message["folder"] != "DRAFT":
                raise Refused(400, "MESSAGE_ALREADY_SENT", "this draft was sent already")
            now = self.now()
            task_id = self.new_id()
            message["submitted_at"] = now.isoformat()
            reason = self._validate(message)
            status = "rejected" if reason else ("hybrid" if message["shipping"] == "hybrid"
                                                else "accepted")
            self.db.execute("UPDATE message SET folder='SENT', status=?, reason=?, "
                            "submitted_at=?, task_id=? WHERE box=? AND id=?",
                            (status, reason, now.isoformat(), task_id, box, message_id))
            if reason:
                self.stats["rejected"] += 1
                kind = ev.HYBRID_REJECTED if message["shipping"] == "hybrid" else \
                    ev.SUBMISSION_REJECTED
                self._evidence(box, message, kind, reason=reason)
                return task_id
            self.stats["sent"] += 1
            if message["shipping"] == "hybrid":
                self._evidence(box, message, ev.HYBRID_POSTED)
                return task_id
            self._evidence(box, message, ev.SUBMISSION_ACCEPTED)
            self._evidence(box, message, ev.PROOF_OF_SENDING)
            self._deliver(message, now)
            return task_id

    def _validate(self, message: dict) -> str:
        if message["shipping"] == "electronic":
            if self.mailbox(message["recipient_ade"]) is None:
                return "Adresat nie ma adresu do doręczeń elektronicznych w bazie adresów."
        elif not message["recipient_address"]:
            return "Brak adresu pocztowego adresata przesyłki hybrydowej."
        for attachment in json.loads(message["attachments"]):
            extension = attachment["name"].rpartition(".")[2].lower()
            if extension not in ALLOWED_EXTENSIONS:
                return f"Niedozwolony format załącznika: {attachment['name']}."
        return ""

    def _deliver(self, message: dict, now: datetime) -> None:
        recipient = self.mailbox(message["recipient_ade"])
        self.seq += 1
        copy = {**message, "box": recipient[0], "folder": "INBOX", "recipient_name":
                message["recipient_name"] or recipient[1], "available_at": now.isoformat(),
                "seq": self.seq, "opened": 0, "deleted": 0}
        public = bool(recipient[2])
        copy["status"] = "delivered" if public else "waiting"
        if public:
            copy["received_at"] = now.isoformat()
        columns = [c for c in copy if c != "reason"]
        statement = (f"INSERT INTO message ({', '.join(columns)}) VALUES "  # noqa: S608
                     f"({', '.join('?' for _ in columns)})")  # our own column names
        self.db.execute(statement, [copy[c] for c in columns])
        self.db.execute("UPDATE message SET status=?, available_at=?, received_at=? "
                        "WHERE box=? AND id=?", (copy["status"], now.isoformat(),
                                                 copy.get("received_at"), message["box"],
                                                 message["id"]))
        if public:
            self._receipt(message, now, ev.RECEIPT_ARRIVAL)
        else:
            self._evidence(message["box"], message, ev.MADE_AVAILABLE)
        self.stats["delivered"] += 1

    def _receipt(self, message: dict, received_at: datetime, how: str) -> None:
        """E.1 and the proof of receipt, in the sender's and the recipient's box."""
        proof = None
        for box in (message["sender_ade"], message["recipient_ade"]):
            self._evidence(box, message, ev.DELIVERED, event_at=received_at)
            # One proof of receipt, signed once, given to both sides.
            proof = self._evidence(box, message, ev.PROOF_OF_RECEIPT, received_at=received_at,
                                   receipt_kind=how, event_at=received_at, signed=proof)
        self.db.execute("UPDATE message SET status=?, received_at=? WHERE id=?",
                        ("deemed" if how == ev.RECEIPT_DEEMED else "delivered",
                         received_at.isoformat(), message["id"]))

    def open_as_citizen(self, ade: str, message_id: str) -> None:
        with self.lock:
            message = self._row(ade, message_id)
            if message is None or message["folder"] != "INBOX":
                raise Refused(404, "MESSAGE_NOT_FOUND", "no such message")
            self.db.execute("UPDATE message SET opened=1 WHERE box=? AND id=?",
                            (ade, message_id))
            if message["status"] == "waiting":
                self._receipt(message, self.now(), ev.RECEIPT_OPENED)

    def sweep_deemed(self) -> None:
        """Messages to a non-public addressee not opened for 14 days: deemed received
        14 days after they were made available (art. 41)."""
        limit = (self.now() - DEEMED_AFTER).isoformat()
        with self.lock:
            rows = self.db.execute("SELECT box, id FROM message WHERE folder='INBOX' AND "
                                   "status='waiting' AND available_at <= ?",
                                   (limit,)).fetchall()
            for box, message_id in rows:
                message = self._row(box, message_id)
                self._receipt(message, datetime.fromisoformat(message["available_at"])
                              + DEEMED_AFTER, ev.RECEIPT_DEEMED)

    def deliver_hybrid(self, message_id: str) -> None:
        with self.lock:
            row = self.db.execute("SELECT box FROM message WHERE id=? AND folder='SENT' AND "
                                  "shipping='hybrid'", (message_id,)).fetchone()
            if row is None:
                raise Refused(404, "MESSAGE_NOT_FOUND", "no such hybrid message")
            message = self._row(row[0], message_id)
            now = self.now()
            self._evidence(row[0], message, ev.HYBRID_RECEIPT, received_at=now,
                           receipt_kind=ev.RECEIPT_ON_PAPER)
            self.db.execute("UPDATE message SET status='delivered', received_at=? WHERE "
                            "box=? AND id=?", (now.isoformat(), row[0], message_id))

    def forge_evidence(self, message_id: str) -> None:
        """Tamper with the stored proofs of a message (a test of the adapter's check)."""
        with self.lock:
            for evidence_id, xml in self.db.execute(
                    "SELECT id, xml FROM evidence WHERE message_id=? AND length(xml) > 0",
                    (message_id,)).fetchall():
                forged = bytes(xml).replace(b"<IntegrityData Algorithm=\"SHA-256\">",
                                            b"<IntegrityData Algorithm=\"SHA-256\">0")
                self.db.execute("UPDATE evidence SET xml=? WHERE id=?", (forged, evidence_id))

    # --- reading a mailbox -------------------------------------------------------------
    def list_messages(self, box: str, query: dict) -> dict:
        self.sweep_deemed()
        label = query.get("label", "INBOX").upper()
        limit = max(1, min(int(query.get("limit", 20)), 2000))
        offset = max(0, int(query.get("offset", 0)))
        folder = {"INBOX": "INBOX", "SENT": "SENT"}.get(label, "INBOX")
        rows = self.db.execute(
            "SELECT id, subject, status, sender_ade, submitted_at FROM message WHERE box=? "
            "AND folder=? AND deleted=0 ORDER BY seq LIMIT ? OFFSET ?",
            (box, folder, limit, offset)).fetchall()
        total = self.db.execute("SELECT COUNT(*) FROM message WHERE box=? AND folder=? AND "
                                "deleted=0", (box, folder)).fetchone()[0]
        messages = [{"messageMetadata": {"messageId": r[0], "subject": r[1],
                                         "from": {"eDeliveryAddress": r[3]},
                                         "submissionDate": r[4]},
                     "messageControlData": {"status": STATUS.get(r[2], r[2]),
                                            "messageType": "Message"}} for r in rows]
        return {"messages": messages, "resultSize": len(messages), "total": total}

    def get_messages(self, box: str, ids: list[str], full: bool) -> list[dict]:
        result = []
        for message_id in ids[:50]:
            message = self._row(box, message_id)
            if message is None or message["deleted"]:
                raise Refused(404, "MESSAGE_NOT_FOUND", f"no message {message_id}")
            metadata = {
                "messageId": message["id"], "subject": message["subject"],
                "shippingService": message["shipping"],
                "from": {"eDeliveryAddress": message["sender_ade"],
                         "contributor": {"name": message["sender_name"]}},
                "to": [{"eDeliveryAddress": message["recipient_ade"],
                        "contributor": {"name": message["recipient_name"]}}],
                "submissionDate": message["submitted_at"], "timestamp": message["created_at"],
                "receiptDate": message["received_at"],
                "additionalData": json.loads(message["additional"] or "{}")}
            item = {"messageMetadata": metadata,
                    "messageControlData": {"status": STATUS.get(message["status"],
                                                                message["status"]),
                                           "statusDescription": message["reason"] or "",
                                           "opened": bool(message["opened"]),
                                           "messageType": "Message"},
                    "textBody": message["body"]}
            if full:
                item["attachments"] = [
                    {"order": order, "attachmentId": f"{message['id']}-{order}",
                     "file": {"fileMetadata": {"fileId": f"{message['id']}-{order}",
                                               "filename": a["name"],
                                               "contentType": a["contentType"]},
                              "file": a["content"]}}
                    for order, a in enumerate(json.loads(message["attachments"]), start=1)]
                item["evidences"] = self.evidences(box, message_id)["evidences"]
            result.append(item)
        return result

    def delete_messages(self, box: str, ids: list[str]) -> list[dict]:
        with self.lock:
            for message_id in ids[:50]:
                self.db.execute("UPDATE message SET deleted=1 WHERE box=? AND id=?",
                                (box, message_id))
        return [{"messageId": message_id} for message_id in ids[:50]]

    def evidences(self, box: str, message_id: str) -> dict:
        self.sweep_deemed()
        rows = self.db.execute("SELECT id, kind, event_at, created_at, downloaded FROM "
                               "evidence WHERE box=? AND message_id=? ORDER BY created_at",
                               (box, message_id)).fetchall()
        return {"evidences": [{"evidenceId": r[0], "messageId": message_id, "type": r[1],
                               "eventDate": r[2], "createDate": r[3],
                               "downloaded": bool(r[4])} for r in rows]}

    def evidence_file(self, box: str, evidence_id: str) -> bytes:
        row = self.db.execute("SELECT xml FROM evidence WHERE box=? AND id=?",
                              (box, evidence_id)).fetchone()
        if row is None or not row[0]:
            raise Refused(404, "EVIDENCE_NOT_FOUND", "no such evidence file")
        self.db.execute("UPDATE evidence SET downloaded=1 WHERE id=?", (evidence_id,))
        return bytes(row[0])

    # --- ePUAP ---------------------------------------------------------------------------
    def epuap_submit(self, box: str, sender: dict, document: dict) -> bytes:
        content = base64.b64decode(document.get("content") or "")
        now = self.now()
        upp = self._upp(box, sender, document.get("name") or "dokument.xml", content, now)
        with self.lock:
            self.db.execute("INSERT INTO epuap (box, sender, sent_at, name, type, content, "
                            "upp) VALUES (?,?,?,?,?,?,?)",
                            (box, json.dumps(sender, ensure_ascii=False), now.isoformat(),
                             document.get("name") or "dokument.xml",
                             document.get("type") or "application/xml", content, upp))
        return upp

    def _upp(self, box: str, sender: dict, name: str, content: bytes, now: datetime) -> bytes:
        """The UPP as signed XML (our shape; the ePUAP UPP schema was not verified)."""
        facts = ev.EvidenceFacts(
            evidence_id=self.new_id(), kind="UPP", message_id=name, service="ePUAP ESP",
            issued_at=now, event_at=now, submitted_at=now,
            sender=ev.Party(sender.get("name", ""), ""), recipient=ev.Party(box, ""),
            digest=hashlib.sha256(content).hexdigest(),
            statement="Urzędowe poświadczenie przedłożenia")
        return ev.sign_evidence(facts, key_pem=self.key_pem, cert_chain_pem=[self.cert_pem])

    def epuap_pull(self, action: str, body: bytes) -> bytes:
        root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False,
                                                            no_network=True))
        query = root.find(f".//{{{EPUAP_NS}}}*")
        if query is None:
            raise Refused(400, "SOAP", "no request element")
        fields = {child.tag.rpartition("}")[2]: (child.text or "").strip()
                  for child in query}
        box = fields.get("adresSkrytki", "")
        waiting = "SELECT id, sender, sent_at, name, type, content, upp FROM epuap WHERE " \
                  "box=? AND confirmed=0 ORDER BY id"
        if action == "oczekujaceDokumenty":
            count = len(self.db.execute(waiting, (box,)).fetchall())
            return _soap("OdpowiedzPullOczekujace", [("oczekujace", str(count))])
        if action == "pobierzNastepny":
            row = self.db.execute(waiting + " LIMIT 1", (box,)).fetchone()
            if row is None:
                return _soap("OdpowiedzPullPobierz", [], code="0",
                             message="Brak dokumentów do pobrania")
            sender = json.loads(row[1])
            return _soap("OdpowiedzPullPobierz", [
                ("danePodmiotu", [("identyfikator", sender.get("id", "")),
                                  ("nazwiskoNazwa", sender.get("name", ""))]),
                ("daneNadawcy", [("uzytkownik", sender.get("name", "")),
                                 ("system", "ePUAP")]),
                ("dataNadania", row[2]), ("nazwaSkrytki", "SkrytkaESP"),
                ("adresSkrytki", box), ("adresOdpowiedzi", sender.get("reply_to", "")),
                ("czyTestowe", "false"),
                ("daneDodatkowe", base64.b64encode(row[6]).decode()),
                ("dokument", [("nazwaPliku", row[3]), ("typPliku", row[4]),
                              ("zawartosc", base64.b64encode(row[5]).decode())])])
        if action == "potwierdzOdebranie":
            digest = fields.get("skrot", "")
            with self.lock:
                for row in self.db.execute(waiting, (box,)).fetchall():
                    if hashlib.sha1(row[5]).hexdigest() == digest:  # noqa: S324 - ePUAP's
                        self.db.execute("UPDATE epuap SET confirmed=1 WHERE id=?", (row[0],))
                        self.stats["epuap_confirmed"] += 1
                        return _soap("OdpowiedzPullPotwierdz", [])
            return _soap("OdpowiedzPullPotwierdz", [], code="0",
                         message="Nie znaleziono dokumentu o podanym skrócie")
        raise Refused(400, "SOAP", f"unknown action {action}")

    def advance(self, days: float) -> None:
        with self.lock:
            self.clock_offset += timedelta(days=days)
            self.db.execute("INSERT INTO setting VALUES ('clock', ?) ON CONFLICT(name) DO "
                            "UPDATE SET value=excluded.value",
                            (str(self.clock_offset.total_seconds()),))


def _soap(name: str, fields: list, *, code: str = "1", message: str = "OK") -> bytes:
    envelope = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"soapenv": SOAP_NS,
                                                              "ns": EPUAP_NS})
    body = etree.SubElement(envelope, f"{{{SOAP_NS}}}Body")
    answer = etree.SubElement(body, f"{{{EPUAP_NS}}}{name}")
    status = etree.SubElement(answer, "status")
    etree.SubElement(status, "kod").text = code
    etree.SubElement(status, "komunikat").text = message

    def add(parent, items):
        for tag, value in items:
            element = etree.SubElement(parent, tag)
            if isinstance(value, list):
                add(element, value)
            else:
                element.text = value

    add(answer, fields)
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


class Handler(BaseHTTPRequestHandler):
    simulator: Simulator
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body go out in two writes: without this, Nagle's algorithm and the
        # client's delayed ACK hold every keep-alive answer for 40 ms.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args):  # quiet
        pass

    def _answer(self, status: int, data, content_type: str = "application/json") -> None:
        body = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False
                                                                ).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise Refused(413, "TOO_LARGE", "request too large")
        return self.rfile.read(length) if length else b""

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_DELETE(self):
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        simulator = self.simulator
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        path = [unquote(p) for p in parts.path.strip("/").split("/")]
        try:
            body = self._body()
            if path[0] == "healthz":
                return self._answer(200, {"status": "ok"})
            if path[0] == "_control":
                with simulator.lock:
                    answer = self._control(method, path[1:], body)
                return self._answer(200, answer)
            simulator.stats["requests"] += 1
            if simulator.fault["mode"] != "ok" and simulator.fault.get("after", 0) > 0:
                simulator.fault["after"] -= 1
            elif simulator.fault["mode"] != "ok":
                mode = simulator.fault["mode"]
                simulator.fault["count"] -= 1
                if simulator.fault["count"] == 0:
                    simulator.fault["mode"] = "ok"
                simulator.stats["faults"] += 1
                if mode == "down":
                    return self._answer(503, [{"code": "UNAVAILABLE",
                                               "message": "service unavailable"}])
                if mode == "drop":
                    # Do the work, then lose the answer: the caller cannot know it worked.
                    with simulator.lock:
                        self._api(method, path, query, body)
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return None
            # ePUAP authenticates by WS-Security (not checked here), the UA API by a token.
            if path[0] != "epuap" and \
                    self.headers.get("Authorization") != f"Bearer {simulator.token}":
                return self._answer(401, [{"code": "UNAUTHORIZED", "message": "bad token"}])
            with simulator.lock:  # one SQLite connection: one request at a time
                status, data, content_type = self._api(method, path, query, body)
            return self._answer(status, data, content_type)
        except Refused as refusal:
            return self._answer(refusal.status, [{"code": refusal.code,
                                                  "message": refusal.message}])
        except (ValueError, KeyError, json.JSONDecodeError, etree.XMLSyntaxError) as error:
            return self._answer(400, [{"code": "BAD_REQUEST", "message": str(error)}])

    def _api(self, method: str, path: list[str], query: dict, body: bytes):
        simulator = self.simulator
        if path[:1] == ["epuap"] and path[1:] == ["pull"] and method == "POST":
            action = (self.headers.get("SOAPAction") or "").strip('"').rpartition("/")[2]
            return 200, simulator.epuap_pull(action, body), "text/xml; charset=utf-8"
        if path[:4] == ["bae", "api", "v1", "addresses"]:
            return 200, {"addresses": simulator.search_addresses(query.get("q", ""))}, \
                "application/json"
        if path[:2] != ["api", "v1"] or len(path) < 4:
            raise Refused(404, "NOT_FOUND", "unknown address")
        box, rest = path[2], path[3:]
        if simulator.mailbox(box) is None:
            raise Refused(404, "ADDRESS_NOT_FOUND", "no such mailbox")
        json_body = json.loads(body or b"{}") if method == "POST" else {}
        if method == "POST" and rest == ["drafts"]:
            return 200, {"messageId": simulator.create_draft(box, json_body)}, \
                "application/json"
        if method == "POST" and rest == ["drafts", "send"]:
            return 202, {"messageTaskId": simulator.send_draft(box, json_body["messageId"])}, \
                "application/json"
        if method == "GET" and rest == ["messages"]:
            return 200, simulator.list_messages(box, query), "application/json"
        if rest[:1] == ["messages"] and len(rest) == 3 and rest[2] == "evidences":
            return 200, simulator.evidences(box, rest[1]), "application/json"
        if rest[:1] == ["messages"] and len(rest) == 2:
            ids = [i for i in rest[1].split(",") if i]
            if method == "GET":
                full = query.get("format", "full") in ("full", "fullExtended")
                return 200, simulator.get_messages(box, ids, full), "application/json"
            if method == "DELETE":
                return 200, simulator.delete_messages(box, ids), "application/json"
        if method == "GET" and rest[:1] == ["evidences"] and len(rest) == 3:
            return 200, simulator.evidence_file(box, rest[2]), "application/xml"
        raise Refused(404, "NOT_FOUND", "unknown operation")

    def _control(self, method: str, path: list[str], body: bytes):
        simulator = self.simulator
        data = json.loads(body or b"{}")
        action = "/".join(path)
        if action == "stats":
            return {**simulator.stats, "mailboxes": simulator.db.execute(
                "SELECT COUNT(*) FROM mailbox").fetchone()[0]}
        if action == "mailboxes" and method == "POST":
            simulator.add_mailbox(data["ade"], data.get("name", ""),
                                  data.get("public_body", True), data.get("epuap_box", ""))
            return {"ok": True}
        if action == "open":
            simulator.open_as_citizen(data["ade"], data["message_id"])
            return {"ok": True}
        if action == "advance":
            simulator.advance(float(data.get("days", 0)))
            return {"now": simulator.now().isoformat()}
        if action == "hybrid/deliver":
            simulator.deliver_hybrid(data["message_id"])
            return {"ok": True}
        if action == "epuap/submit":
            upp = simulator.epuap_submit(data["box"], data.get("sender") or {},
                                         data.get("document") or {})
            return {"upp": upp.decode()}
        if action == "evidence/forge":
            simulator.forge_evidence(data["message_id"])
            return {"ok": True}
        if action == "fault":
            simulator.fault = {"mode": data.get("mode", "ok"),
                               "count": int(data.get("count") or -1),
                               "after": int(data.get("after") or 0)}
            return {"ok": True}
        raise Refused(404, "NOT_FOUND", "unknown control")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8095)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--token", default="dev-edelivery-token")
    parser.add_argument("--key-dir", default="var/exchange")
    parser.add_argument("--state", default="", help="SQLite file (default: in key dir)")
    parser.add_argument("--mailboxes", default="",
                        help="a JSON file of mailboxes to create: [{ade, name, public_body}]")
    args = parser.parse_args(argv)
    state = args.state or str(Path(args.key_dir) / "edelivery-simulator.sqlite3")
    simulator = Simulator(token=args.token, key_dir=args.key_dir, state=state)
    if args.mailboxes:
        for box in json.loads(Path(args.mailboxes).read_text(encoding="utf-8")):
            simulator.add_mailbox(box["ade"], box.get("name", ""),
                                  box.get("public_body", True), box.get("epuap_box", ""))
    handler = type("BoundHandler", (Handler,), {"simulator": simulator})
    server = ThreadingHTTPServer((args.host, args.port), handler)
    server.daemon_threads = True
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    main()

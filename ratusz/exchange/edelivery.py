"""The adapter to e-Doręczenia: the UA API of a public body's mailbox (REST/JSON), as
published by COI (OpenAPI "User Agent API" 3.0.8, "Projekt techniczny UA API" v5.27), and
the address base (BAE) look-up. Pure HTTP; writes nothing.

What the national service adds and this adapter does not do yet (docs/exchange.md): the
OAuth 2.0 token from the authorisation server with mutual-TLS client authentication and
certificate-bound tokens; here the token is a configured bearer secret.

Sending goes through a draft: `create_draft` returns the provider's message id, which the
outbox stores before `send_draft`; a retry of `send_draft` after a lost answer is refused
with MESSAGE_ALREADY_SENT (`AlreadySent`), so a message is never sent twice.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import requests

TRANSIENT_STATUSES = {408, 425, 429, 500, 502, 503, 504}


class ProviderUnavailable(Exception):
    """The provider did not answer or answered that it cannot now: try again later."""


class ProviderRefused(Exception):
    """The provider refused the request: retrying the same request will not help."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class AlreadySent(ProviderRefused):
    pass


@dataclass
class Attachment:
    name: str
    content_type: str
    data: bytes


class EDeliveryClient:
    def __init__(self, base_url: str, token: str, *, timeout: float = 10.0,
                 session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()
        # No proxies or .netrc from the environment: looked up on every request otherwise.
        self.session.trust_env = False
        self.session.headers["Authorization"] = f"Bearer {token}"

    def _call(self, method: str, path: str, **kwargs):
        try:
            answer = self.session.request(method, f"{self.base_url}{path}",
                                          timeout=self.timeout, **kwargs)
        except requests.RequestException as error:
            raise ProviderUnavailable(str(error)) from error
        if answer.status_code in TRANSIENT_STATUSES:
            raise ProviderUnavailable(f"HTTP {answer.status_code}")
        if answer.status_code >= 400:
            code, message = "ERROR", answer.text[:500]
            try:
                problems = answer.json()
                if isinstance(problems, list) and problems:
                    code = problems[0].get("code", code)
                    message = problems[0].get("message", message)
            except ValueError:
                pass
            error_class = AlreadySent if code == "MESSAGE_ALREADY_SENT" else ProviderRefused
            raise error_class(answer.status_code, code, message)
        return answer

    @staticmethod
    def message_body(*, recipient_ade: str = "", recipient_name: str = "",
                     postal_address: dict | None = None, subject: str, text: str,
                     attachments: list[Attachment], additional: dict | None = None) -> dict:
        """A UA API `Message` to one addressee: by ADE (electronic) or, for the hybrid
        service, by postal address."""
        to = {"contributor": {"name": recipient_name}}
        if postal_address:
            to["address"] = postal_address
        else:
            to["eDeliveryAddress"] = recipient_ade
        return {
            "messageMetadata": {"to": [to], "subject": subject,
                                "shippingService": "hybrid" if postal_address
                                else "electronic",
                                "additionalData": additional or {}},
            "textBody": text,
            "attachments": [{"order": order, "file": {
                "fileMetadata": {"fileId": str(order), "filename": item.name,
                                 "contentType": item.content_type, "size": len(item.data)},
                "file": base64.b64encode(item.data).decode()}}
                for order, item in enumerate(attachments, start=1)],
        }

    def create_draft(self, box: str, message: dict) -> str:
        return self._call("POST", f"/api/v1/{box}/drafts", json=message).json()["messageId"]

    def send_draft(self, box: str, message_id: str) -> str:
        answer = self._call("POST", f"/api/v1/{box}/drafts/send",
                            json={"messageId": message_id})
        return answer.json().get("messageTaskId", "")

    def list_messages(self, box: str, *, label: str = "INBOX", limit: int = 200,
                      offset: int = 0) -> list[str]:
        data = self._call("GET", f"/api/v1/{box}/messages",
                          params={"label": label, "format": "minimal", "limit": limit,
                                  "offset": offset}).json()
        return [m["messageMetadata"]["messageId"] for m in data.get("messages", [])]

    def get_messages(self, box: str, ids: list[str]) -> list[dict]:
        """Messages in the fullExtended format (attachments with their content); at most 50
        ids per call, as the API allows."""
        result = []
        for start in range(0, len(ids), 50):
            chunk = ",".join(ids[start:start + 50])
            result += self._call("GET", f"/api/v1/{box}/messages/{chunk}",
                                 params={"format": "fullExtended"}).json()
        return result

    def get_message(self, box: str, message_id: str) -> dict | None:
        try:
            return self._call("GET", f"/api/v1/{box}/messages/{message_id}",
                              params={"format": "metadata"}).json()[0]
        except ProviderRefused as refusal:
            if refusal.status == 404:
                return None
            raise

    def delete_messages(self, box: str, ids: list[str]) -> None:
        for start in range(0, len(ids), 50):
            self._call("DELETE", f"/api/v1/{box}/messages/{','.join(ids[start:start + 50])}")

    def evidences(self, box: str, message_id: str) -> list[dict]:
        return self._call("GET", f"/api/v1/{box}/messages/{message_id}/evidences"
                          ).json().get("evidences", [])

    def evidence_file(self, box: str, evidence_id: str, *, hybrid: bool = False) -> bytes:
        service = "puh" if hybrid else "purde"
        return self._call("GET", f"/api/v1/{box}/evidences/{service}/{evidence_id}").content

    def search_addresses(self, query: str) -> list[dict]:
        """Public bodies' addresses in the address base (BAE) matching a name or an ADE.
        The shape of the national base's search is not verified; the simulator's is ours."""
        return self._call("GET", "/bae/api/v1/addresses", params={"q": query}
                          ).json().get("addresses", [])

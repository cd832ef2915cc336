"""The adapter to an office's ePUAP inbox (ESP) through the pull service, the protocol
public bodies' systems use for a box in PULL mode: `oczekujaceDokumenty` (how many wait),
`pobierzNastepny` (the next one, with its sender, `dataNadania`, reply address, additional
data and the document), `potwierdzOdebranie` (confirm with `skrot`, which removes it from
the queue). SOAP 1.1 in the namespace http://wsdl.epuap.gov.pl/obiekty/.

Verified against public clients (OldMusicBox.ePUAP.Client: request/answer elements, the
SOAPAction http://ws.epuap.gov.pl/pull/…, status `kod` 1 for success; a Java client of the
Sejm: ZapytaniePullPotwierdz with podmiot, nazwaSkrytki, adresSkrytki, skrot). NOT verified
(docs/exchange.md): whether `skrot` is SHA-1 (one client) or SHA-256 (django-epuap-esp) of
the document — SHA-1 here, hex; where the UPP of a pulled document travels — here in
`daneDodatkowe`; the WS-Security signature every real request carries (not sent here).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime

import requests
from lxml import etree

from ratusz.exchange.edelivery import ProviderRefused, ProviderUnavailable

NAMESPACE = "http://wsdl.epuap.gov.pl/obiekty/"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
ACTION = "http://ws.epuap.gov.pl/pull/{}"


@dataclass
class PulledDocument:
    sender_id: str
    sender_name: str
    sent_at: datetime
    reply_address: str
    file_name: str
    file_type: str
    content: bytes
    upp: bytes

    @property
    def digest(self) -> str:
        """`skrot` for potwierdzOdebranie (SHA-1 of the document; see the module)."""
        return hashlib.sha1(self.content).hexdigest()  # noqa: S324 - ePUAP's choice


class EpuapPullClient:
    def __init__(self, url: str, *, subject: str, timeout: float = 10.0):
        self.url = url
        self.subject = subject
        self.timeout = timeout
        self.session = requests.Session()
        self.session.trust_env = False

    def _call(self, action: str, request: str, box: str, **extra) -> etree._Element:
        envelope = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soapenv": SOAP,
                                                               "obi": NAMESPACE})
        body = etree.SubElement(envelope, f"{{{SOAP}}}Body")
        query = etree.SubElement(body, f"{{{NAMESPACE}}}{request}")
        for name, value in (("podmiot", self.subject), ("nazwaSkrytki", "SkrytkaESP"),
                            ("adresSkrytki", box), *extra.items()):
            etree.SubElement(query, name).text = value
        try:
            answer = self.session.post(
                self.url, data=etree.tostring(envelope, xml_declaration=True,
                                              encoding="UTF-8"),
                headers={"Content-Type": "text/xml; charset=utf-8",
                         "SOAPAction": ACTION.format(action)}, timeout=self.timeout)
        except requests.RequestException as error:
            raise ProviderUnavailable(str(error)) from error
        if answer.status_code >= 500:
            raise ProviderUnavailable(f"HTTP {answer.status_code}")
        if answer.status_code >= 400:
            raise ProviderRefused(answer.status_code, "SOAP", answer.text[:300])
        root = etree.fromstring(answer.content, parser=etree.XMLParser(
            resolve_entities=False, no_network=True))
        result = root.find(f".//{{{NAMESPACE}}}*")
        if result is None:
            raise ProviderRefused(answer.status_code, "SOAP", "no answer element")
        return result

    @staticmethod
    def _status(result) -> tuple[str, str]:
        return result.findtext("status/kod", ""), result.findtext("status/komunikat", "")

    def waiting(self, box: str) -> int:
        result = self._call("oczekujaceDokumenty", "ZapytaniePullOczekujace", box)
        return int(result.findtext("oczekujace", "0") or 0)

    def next_document(self, box: str) -> PulledDocument | None:
        result = self._call("pobierzNastepny", "ZapytaniePullPobierz", box)
        if self._status(result)[0] != "1" or result.find("dokument") is None:
            return None
        return PulledDocument(
            sender_id=result.findtext("danePodmiotu/identyfikator", ""),
            sender_name=result.findtext("danePodmiotu/nazwiskoNazwa", "")
            or result.findtext("daneNadawcy/uzytkownik", ""),
            sent_at=datetime.fromisoformat(result.findtext("dataNadania", "")),
            reply_address=result.findtext("adresOdpowiedzi", ""),
            file_name=result.findtext("dokument/nazwaPliku", ""),
            file_type=result.findtext("dokument/typPliku", ""),
            content=base64.b64decode(result.findtext("dokument/zawartosc", "")),
            upp=base64.b64decode(result.findtext("daneDodatkowe", "")))

    def confirm(self, box: str, digest: str) -> bool:
        result = self._call("potwierdzOdebranie", "ZapytaniePullPotwierdz", box, skrot=digest)
        return self._status(result)[0] == "1"

"""A local stand-in for login.gov.pl: the same SAML 2.0 profile, its own test keys and
test persons, for development (`make demo`) and the tests. Not Django: a small WSGI app
in its own process.

    python -m ratusz.accounts.logingov.simulator --port 8089 --key-dir var/logingov \
        --sp-metadata http://127.0.0.1:8000/auth/login-gov/metadata/

Endpoints (the node's paths):
- POST /login/SingleSignOnService — a signed AuthnRequest (SAMLRequest, RelayState);
  the signature is checked against the SP's metadata, and the ACS must be the one there.
  Shows the test persons and the means of identification to pick.
- POST /login/authenticate — the choice; the browser goes to the ACS with SAMLart.
- POST /login-services/idpArtifactResolutionService — SOAP ArtifactResolve (signed) →
  ArtifactResponse ▸ Response ▸ EncryptedAssertion (ECDH-ES + AES-GCM to the SP's
  encryption certificate), each level signed (ECDSA-SHA256). An artifact works once.
- POST /login-services/singleLogoutService — a signed LogoutRequest (HTTP-POST); answers
  with a signed LogoutResponse posted to the SP's single logout service.
- GET /metadata — the simulator's IdP metadata.
- POST /_control/fault — tests only (--allow-faults): the next assertion is made wrong
  on purpose: tamper, wrong_signature, wrong_encryption, expired, wrong_audience,
  wrong_destination, unsigned_assertion, low_loa, replay.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import html
import json
import os
import secrets
import sys
import threading
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from lxml import etree
from signxml import SignatureConfiguration, SignatureMethod, XMLSigner, XMLVerifier

from ratusz.accounts.logingov.keys import KEY_PAIRS, ensure_dev_keys, make_key_pair
from ratusz.accounts.logingov.xmlenc import encrypt_element

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NP = "http://eidas.europa.eu/attributes/naturalperson/"
LOA = ["http://eidas.europa.eu/LoA/low", "http://eidas.europa.eu/LoA/substantial",
       "http://eidas.europa.eu/LoA/high"]
METHODS = {"pz": ("Profil zaufany", LOA[1]), "edowod": ("e-dowód", LOA[2]),
           "bank": ("Bankowość elektroniczna", LOA[1]), "mobywatel": ("mObywatel", LOA[1])}
FAULTS = {"tamper", "wrong_signature", "wrong_encryption", "expired", "wrong_audience",
          "wrong_destination", "unsigned_assertion", "low_loa", "replay"}
PERSONS_FILE = Path(__file__).with_name("test_persons.json")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def _now() -> datetime:
    return datetime.now(UTC)


def _instant(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _id() -> str:
    return "_" + secrets.token_hex(20)


class Simulator:
    def __init__(self, *, key_dir: Path, sp_metadata: str, base_url: str,
                 entity_id: str | None = None, persons: list[dict] | None = None,
                 allow_faults: bool = False):
        self.key_dir = ensure_dev_keys(key_dir)
        self.sign_key = (self.key_dir / "idp-sign.key").read_bytes()
        self.sign_cert = (self.key_dir / "idp-sign.crt").read_bytes()
        self.sp_metadata_source = sp_metadata
        self.base_url = base_url.rstrip("/")
        self.entity_id = entity_id or self.base_url
        self.persons = persons or json.loads(PERSONS_FILE.read_text(encoding="utf-8"))
        self.allow_faults = allow_faults
        self.lock = threading.Lock()
        self.pending: dict[str, dict] = {}    # form token → AuthnRequest facts
        self.artifacts: dict[str, dict] = {}  # artifact → what to answer
        self.sessions: dict[str, dict] = {}   # session index → person
        self.session_names: dict[str, str] = {}  # session index → NameID
        self.next_fault = ""
        self.last_assertion: bytes | None = None
        self.log: list[dict] = []

    # -- the SP we serve ------------------------------------------------------------------
    def sp(self) -> dict:
        source = self.sp_metadata_source
        if source.startswith(("http://", "https://")):
            with urllib.request.urlopen(source, timeout=10) as answer:  # noqa: S310
                data = answer.read()
        else:
            data = Path(source).read_bytes()
        root = etree.fromstring(data, _PARSER)
        ns = {"md": MD, "ds": DS}
        descriptor = root.find("md:SPSSODescriptor", ns)
        certs = {}
        for key in descriptor.iterfind("md:KeyDescriptor", ns):
            text = key.findtext("ds:KeyInfo/ds:X509Data/ds:X509Certificate", namespaces=ns)
            pem = "-----BEGIN CERTIFICATE-----\n" + "".join((text or "").split()) + \
                  "\n-----END CERTIFICATE-----\n"
            certs.setdefault(key.get("use", "signing"), pem.encode())
        acs = [e.get("Location") for e in descriptor.iterfind(
            "md:AssertionConsumerService", ns)]
        slo = [e.get("Location") for e in descriptor.iterfind("md:SingleLogoutService", ns)]
        return {"entity_id": root.get("entityID"), "sign_cert": certs.get("signing"),
                "enc_cert": certs.get("encryption") or certs.get("signing"),
                "acs": acs, "slo": slo[0] if slo else ""}

    def verify_sp(self, element, sp: dict):
        result = XMLVerifier().verify(
            etree.tostring(element), x509_cert=sp["sign_cert"].decode(),
            expect_config=SignatureConfiguration(require_x509=False, signature_methods=frozenset(
                {SignatureMethod.ECDSA_SHA256, SignatureMethod.RSA_SHA256})))
        if result.signed_xml.get("ID") != element.get("ID"):
            raise ValueError("signature covers another element")
        return result.signed_xml

    # -- signing ---------------------------------------------------------------------------
    def sign(self, element, key: bytes | None = None, cert: bytes | None = None):
        # Sign exactly what will be sent: a tree parsed from its own serialisation (a
        # tree built from pieces can canonicalise differently once re-read).
        element = etree.fromstring(etree.tostring(element), _PARSER)
        issuer = element.find(f"{{{SAML}}}Issuer")
        placeholder = etree.Element(f"{{{DS}}}Signature", Id="placeholder", nsmap={"ds": DS})
        issuer.addnext(placeholder)
        signer = XMLSigner(signature_algorithm=SignatureMethod.ECDSA_SHA256,
                           digest_algorithm="sha256",
                           c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#")
        signer.namespaces = {"ds": DS}
        signed = signer.sign(element, key=key or self.sign_key,
                             cert=(cert or self.sign_cert).decode(),
                             reference_uri="#" + element.get("ID"), id_attribute="ID")
        return etree.fromstring(etree.tostring(signed), _PARSER)

    # -- building the answer ----------------------------------------------------------------
    def assertion(self, facts: dict, fault: str) -> etree._Element:
        person, now = facts["person"], _now()
        E = etree.SubElement  # noqa: N806
        a = etree.Element(f"{{{SAML}}}Assertion", nsmap={"saml2": SAML},
                          ID=_id(), Version="2.0", IssueInstant=_instant(now))
        E(a, f"{{{SAML}}}Issuer").text = self.entity_id
        subject = E(a, f"{{{SAML}}}Subject")
        E(subject, f"{{{SAML}}}NameID",
          Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified").text = \
            facts["name_id"]
        confirmation = E(subject, f"{{{SAML}}}SubjectConfirmation",
                         Method="urn:oasis:names:tc:SAML:2.0:cm:bearer")
        until = now + (timedelta(minutes=-10) if fault == "expired" else timedelta(minutes=5))
        E(confirmation, f"{{{SAML}}}SubjectConfirmationData",
          InResponseTo=facts["request_id"], NotOnOrAfter=_instant(until),
          Recipient="https://elsewhere.example/acs" if fault == "wrong_destination"
          else facts["acs"])
        conditions = E(a, f"{{{SAML}}}Conditions",
                       NotBefore=_instant(now - (timedelta(minutes=20) if fault == "expired"
                                                 else timedelta(seconds=5))),
                       NotOnOrAfter=_instant(until))
        E(E(conditions, f"{{{SAML}}}AudienceRestriction"), f"{{{SAML}}}Audience").text = \
            "https://another-sp.example/" if fault == "wrong_audience" else facts["sp_entity"]
        statement = E(a, f"{{{SAML}}}AuthnStatement", AuthnInstant=_instant(now),
                      SessionIndex=facts["session_index"])
        E(E(statement, f"{{{SAML}}}AuthnContext"), f"{{{SAML}}}AuthnContextClassRef").text = \
            LOA[0] if fault == "low_loa" else facts["loa"]
        attributes = E(a, f"{{{SAML}}}AttributeStatement")
        for name, value in (("CurrentGivenName", person["given_name"]),
                            ("CurrentFamilyName", person["family_name"]),
                            ("DateOfBirth", person["birth_date"]),
                            ("PersonIdentifier", person["pesel"])):
            attribute = E(attributes, f"{{{SAML}}}Attribute", Name=NP + name,
                          NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri")
            E(attribute, f"{{{SAML}}}AttributeValue").text = value
        if fault == "unsigned_assertion":
            return a
        if fault == "wrong_signature":
            stranger = self.key_dir / "stranger"
            stranger.mkdir(exist_ok=True)
            if not (stranger / "x.key").exists():
                make_key_pair(stranger, "x", "Not the node")
            return self.sign(a, (stranger / "x.key").read_bytes(),
                             (stranger / "x.crt").read_bytes())
        signed = self.sign(a)
        if fault == "tamper":
            value = signed.find(f".//{{{SAML}}}Attribute[@Name='{NP}PersonIdentifier']/"
                                f"{{{SAML}}}AttributeValue")
            value.text = "58121509177" if value.text != "58121509177" else "85031212343"
        return signed

    def response(self, facts: dict) -> etree._Element:
        fault = facts.get("fault", "")
        now = _now()
        r = etree.Element(f"{{{SAMLP}}}Response", nsmap={"saml2p": SAMLP, "saml2": SAML},
                          ID=_id(), Version="2.0", IssueInstant=_instant(now),
                          InResponseTo=facts["request_id"], Destination=facts["acs"])
        etree.SubElement(r, f"{{{SAML}}}Issuer").text = self.entity_id
        status = etree.SubElement(r, f"{{{SAMLP}}}Status")
        if facts.get("status"):
            code = etree.SubElement(status, f"{{{SAMLP}}}StatusCode",
                                    Value="urn:oasis:names:tc:SAML:2.0:status:Responder")
            etree.SubElement(code, f"{{{SAMLP}}}StatusCode",
                             Value="urn:oasis:names:tc:SAML:2.0:status:" + facts["status"])
            return self.sign(r)
        etree.SubElement(status, f"{{{SAMLP}}}StatusCode",
                         Value="urn:oasis:names:tc:SAML:2.0:status:Success")
        if fault == "replay" and self.last_assertion is not None:
            plaintext = self.last_assertion
        else:
            plaintext = etree.tostring(self.assertion(facts, fault))
            self.last_assertion = plaintext
        recipient = facts["enc_cert"]
        if fault == "wrong_encryption":
            stranger = self.key_dir / "stranger"
            stranger.mkdir(exist_ok=True)
            if not (stranger / "x.key").exists():
                make_key_pair(stranger, "x", "Not the node")
            recipient = (stranger / "x.crt").read_bytes()
        encrypted = etree.SubElement(r, f"{{{SAML}}}EncryptedAssertion")
        encrypted.append(encrypt_element(plaintext, recipient))
        return self.sign(r)

    # -- HTTP ------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(length) if length else b""
        routes = {
            ("POST", "/login/SingleSignOnService"): self.sso,
            ("POST", "/login/authenticate"): self.authenticate,
            ("POST", "/login-services/idpArtifactResolutionService"): self.resolve,
            ("POST", "/login-services/singleLogoutService"): self.logout,
            ("GET", "/metadata"): self.idp_metadata,
            ("GET", "/healthz"): lambda _b: (200, "text/plain", b"ok", []),
            ("POST", "/_control/fault"): self.control_fault,
            ("POST", "/_control/logout"): self.control_logout,
            ("GET", "/login/logout"): self.logout_everywhere,
            ("GET", "/_control/log"): lambda _b: (200, "application/json",
                                                  json.dumps(self.log).encode(), []),
        }
        handler = routes.get((method, path))
        if handler is None:
            status, content_type, payload, headers = 404, "text/plain", b"not found", []
        else:
            try:
                status, content_type, payload, headers = handler(body)
            except Exception as error:  # noqa: BLE001 - answer, never crash the server
                self.log.append({"event": "error", "path": path, "error": repr(error)})
                status, content_type, payload, headers = (
                    400, "text/html; charset=utf-8",
                    self.page("Błąd żądania", f"<p>Żądanie odrzucone: "
                              f"{html.escape(str(error))}</p>"), [])
        reason = {200: "OK", 302: "Found", 400: "Bad Request", 403: "Forbidden",
                  404: "Not Found", 500: "Internal Server Error"}.get(status, "OK")
        start_response(f"{status} {reason}", [("Content-Type", content_type),
                                              ("Content-Length", str(len(payload)))] + headers)
        return [payload]

    @staticmethod
    def page(title: str, content: str) -> bytes:
        return (f'<!doctype html><html lang="pl"><head><meta charset="utf-8"><title>'
                f'{html.escape(title)} – symulator login.gov.pl</title>'
                f'<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
                f'<body style="font-family:sans-serif;max-width:40rem;margin:2rem auto">'
                f'<p><strong>login.gov.pl</strong> – symulator do testów (dane fikcyjne)</p>'
                f'<main><h1>{html.escape(title)}</h1>{content}</main></body></html>').encode()

    def sso(self, body: bytes):
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        xml = base64.b64decode(form.get("SAMLRequest", ""))
        request = etree.fromstring(xml, _PARSER)
        sp = self.sp()
        request = self.verify_sp(request, sp)
        if request.findtext(f"{{{SAML}}}Issuer") != sp["entity_id"]:
            raise ValueError("unknown service provider")
        acs = request.get("AssertionConsumerServiceURL")
        if acs not in sp["acs"]:
            raise ValueError("the ACS address is not in the provider's metadata")
        if request.get("Destination") != self.base_url + "/login/SingleSignOnService":
            raise ValueError("the request is addressed to another node")
        loa = request.findtext(f".//{{{SAML}}}AuthnContextClassRef") or LOA[1]
        token = secrets.token_urlsafe(16)
        with self.lock:
            self.pending[token] = {"request_id": request.get("ID"), "acs": acs,
                                   "relay": form.get("RelayState", ""), "loa": loa,
                                   "sp_entity": sp["entity_id"], "enc_cert": sp["enc_cert"]}
        self.log.append({"event": "authn_request", "id": request.get("ID"), "loa": loa})
        options = "".join(
            f'<p><label><input type="radio" name="person" value="{i}"'
            f'{" checked" if i == 0 else ""}> {html.escape(p["given_name"])} '
            f'{html.escape(p["family_name"])} (PESEL {p["pesel"]})</label></p>'
            for i, p in enumerate(self.persons))
        methods = "".join(
            f'<p><label><input type="radio" name="method" value="{k}"'
            f'{" checked" if k == "pz" else ""}> {html.escape(v[0])}</label></p>'
            for k, v in METHODS.items())
        content = (f'<p>Serwis <strong>{html.escape(sp["entity_id"])}</strong> prosi o '
                   f'potwierdzenie tożsamości.</p>'
                   f'<form method="post" action="/login/authenticate">'
                   f'<input type="hidden" name="token" value="{token}">'
                   f'<fieldset><legend>Osoba testowa</legend>{options}</fieldset>'
                   f'<fieldset><legend>Sposób logowania</legend>{methods}</fieldset>'
                   f'<p><button type="submit" name="action" value="login">Zaloguj</button> '
                   f'<button type="submit" name="action" value="cancel">Anuluj</button></p>'
                   f'</form>')
        return 200, "text/html; charset=utf-8", self.page("Wybierz sposób logowania",
                                                          content), []

    def authenticate(self, body: bytes):
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        with self.lock:
            facts = self.pending.pop(form.get("token", ""), None)
        if facts is None:
            raise ValueError("the sign-in has expired; start again from the service")
        method = METHODS.get(form.get("method", "pz"), METHODS["pz"])
        person = self.persons[int(form.get("person", "0")) % len(self.persons)]
        session_index = _id()
        facts.update(person=person, session_index=session_index,
                     name_id=hashlib.sha256(person["pesel"].encode()).hexdigest()[:32],
                     loa=max(method[1], facts["loa"] if facts["loa"] in LOA else LOA[0],
                             key=LOA.index))
        if form.get("action") == "cancel":
            facts["status"] = "AuthnFailed"
        with self.lock:
            facts["fault"], self.next_fault = self.next_fault, ""
            self.sessions[session_index] = person
            self.session_names[session_index] = facts["name_id"]
        # SAML 2.0 type 0x0004 artifact: type, endpoint index, SHA-1(source), handle.
        artifact = base64.b64encode(
            b"\x00\x04\x00\x00" + hashlib.sha1(self.entity_id.encode()).digest()  # noqa: S324
            + os.urandom(20)).decode()
        with self.lock:
            self.artifacts[artifact] = facts
        self.log.append({"event": "artifact", "fault": facts["fault"],
                         "status": facts.get("status", "Success")})
        location = facts["acs"] + "?" + urlencode({"SAMLart": artifact,
                                                   "RelayState": facts["relay"]})
        return 302, "text/plain", b"", [("Location", location)]

    def resolve(self, body: bytes):
        envelope = etree.fromstring(body, _PARSER)
        resolve = envelope.find(f"{{{SOAP}}}Body/{{{SAMLP}}}ArtifactResolve")
        sp = self.sp()
        resolve = self.verify_sp(resolve, sp)
        artifact = resolve.findtext(f"{{{SAMLP}}}Artifact")
        with self.lock:
            facts = self.artifacts.pop(artifact, None)  # an artifact works once
        now = _now()
        answer = etree.Element(f"{{{SAMLP}}}ArtifactResponse",
                               nsmap={"saml2p": SAMLP, "saml2": SAML}, ID=_id(),
                               Version="2.0", IssueInstant=_instant(now),
                               InResponseTo=resolve.get("ID"))
        etree.SubElement(answer, f"{{{SAML}}}Issuer").text = self.entity_id
        status = etree.SubElement(answer, f"{{{SAMLP}}}Status")
        etree.SubElement(status, f"{{{SAMLP}}}StatusCode",
                         Value="urn:oasis:names:tc:SAML:2.0:status:Success")
        if facts is not None and facts["sp_entity"] == sp["entity_id"]:
            answer.append(self.response(facts))
        self.log.append({"event": "resolve", "known": facts is not None})
        signed = self.sign(answer)
        envelope = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soap11": SOAP})
        etree.SubElement(envelope, f"{{{SOAP}}}Body").append(signed)
        return 200, "text/xml; charset=utf-8", etree.tostring(envelope,
                                                              xml_declaration=True,
                                                              encoding="UTF-8"), []

    def logout(self, body: bytes):
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if "SAMLResponse" in form:  # the SP's answer to our own LogoutRequest
            answer = etree.fromstring(base64.b64decode(form["SAMLResponse"]), _PARSER)
            answer = self.verify_sp(answer, self.sp())
            self.log.append({"event": "sp_logout_response", "in_response_to":
                             answer.get("InResponseTo"),
                             "status": answer.find(f".//{{{SAMLP}}}StatusCode").get("Value")})
            return 200, "text/html; charset=utf-8", self.page(
                "Wylogowano", "<p>Wylogowano ze wszystkich serwisów.</p>"), []
        request = etree.fromstring(base64.b64decode(form.get("SAMLRequest", "")), _PARSER)
        sp = self.sp()
        request = self.verify_sp(request, sp)
        index = request.findtext(f"{{{SAMLP}}}SessionIndex") or ""
        with self.lock:
            known = self.sessions.pop(index, None) is not None
        self.log.append({"event": "logout", "known_session": known})
        response = etree.Element(f"{{{SAMLP}}}LogoutResponse",
                                 nsmap={"saml2p": SAMLP, "saml2": SAML}, ID=_id(),
                                 Version="2.0", IssueInstant=_instant(_now()),
                                 InResponseTo=request.get("ID"), Destination=sp["slo"])
        etree.SubElement(response, f"{{{SAML}}}Issuer").text = self.entity_id
        status = etree.SubElement(response, f"{{{SAMLP}}}Status")
        etree.SubElement(status, f"{{{SAMLP}}}StatusCode",
                         Value="urn:oasis:names:tc:SAML:2.0:status:Success")
        encoded = base64.b64encode(etree.tostring(self.sign(response))).decode()
        content = (f'<p>Wylogowano z login.gov.pl. Wracasz do serwisu…</p>'
                   f'<form method="post" action="{html.escape(sp["slo"])}" id="back">'
                   f'<input type="hidden" name="SAMLResponse" value="{encoded}">'
                   f'<input type="hidden" name="RelayState" '
                   f'value="{html.escape(form.get("RelayState", ""))}">'
                   f'<button type="submit">Wróć do serwisu</button></form>'
                   f'<script>document.getElementById("back").submit()</script>')
        return 200, "text/html; charset=utf-8", self.page("Wylogowanie", content), []

    def node_logout_request(self, session_index: str = "") -> dict:
        """A signed LogoutRequest to the SP for one of our sessions (the newest by
        default): what the node sends when the person signs out elsewhere."""
        with self.lock:
            index = session_index or next(reversed(self.session_names), "")
            name_id = self.session_names.pop(index, "")
            self.sessions.pop(index, None)
        sp = self.sp()
        request = etree.Element(f"{{{SAMLP}}}LogoutRequest",
                                nsmap={"saml2p": SAMLP, "saml2": SAML}, ID=_id(),
                                Version="2.0", IssueInstant=_instant(_now()),
                                Destination=sp["slo"],
                                NotOnOrAfter=_instant(_now() + timedelta(minutes=5)))
        etree.SubElement(request, f"{{{SAML}}}Issuer").text = self.entity_id
        etree.SubElement(request, f"{{{SAML}}}NameID").text = name_id
        etree.SubElement(request, f"{{{SAMLP}}}SessionIndex").text = index
        signed = self.sign(request)
        return {"action": sp["slo"], "SAMLRequest": base64.b64encode(
            etree.tostring(signed)).decode(), "RelayState": "", "id": signed.get("ID")}

    def logout_everywhere(self, _body: bytes):
        facts = self.node_logout_request()
        content = (f'<p>Wylogowujesz się z login.gov.pl i z serwisu…</p>'
                   f'<form method="post" action="{html.escape(facts["action"])}" id="out">'
                   f'<input type="hidden" name="SAMLRequest" value="{facts["SAMLRequest"]}">'
                   f'<button type="submit">Wyloguj z serwisu</button></form>'
                   f'<script>document.getElementById("out").submit()</script>')
        return 200, "text/html; charset=utf-8", self.page("Wylogowanie", content), []

    def control_logout(self, body: bytes):
        if not self.allow_faults:
            return 403, "text/plain", b"control is off", []
        index = json.loads(body or b"{}").get("session_index", "")
        return 200, "application/json", json.dumps(self.node_logout_request(index)).encode(), []

    def idp_metadata(self, _body: bytes):
        cert = b"".join(self.sign_cert.strip().splitlines()[1:-1]).decode()
        xml = (f'<?xml version="1.0" encoding="UTF-8"?>'
               f'<md:EntityDescriptor xmlns:md="{MD}" xmlns:ds="{DS}" '
               f'entityID="{html.escape(self.entity_id)}"><md:IDPSSODescriptor '
               f'WantAuthnRequestsSigned="true" protocolSupportEnumeration="{SAMLP}">'
               f'<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
               f'{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>'
               f'<md:ArtifactResolutionService index="0" isDefault="true" '
               f'Binding="urn:oasis:names:tc:SAML:2.0:bindings:SOAP" Location="'
               f'{self.base_url}/login-services/idpArtifactResolutionService"/>'
               f'<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:'
               f'HTTP-POST" Location="{self.base_url}/login-services/singleLogoutService"/>'
               f'<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:'
               f'HTTP-POST" Location="{self.base_url}/login/SingleSignOnService"/>'
               f'</md:IDPSSODescriptor></md:EntityDescriptor>')
        return 200, "application/samlmetadata+xml", xml.encode(), []

    def control_fault(self, body: bytes):
        if not self.allow_faults:
            return 403, "text/plain", b"faults are off", []
        fault = json.loads(body or b"{}").get("fault", "")
        if fault and fault not in FAULTS:
            return 400, "text/plain", b"unknown fault", []
        with self.lock:
            self.next_fault = fault
        return 200, "application/json", json.dumps({"fault": fault}).encode(), []


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


def serve(simulator: Simulator, host: str, port: int):
    return make_server(host, port, simulator, server_class=_Server,
                       handler_class=_QuietHandler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--key-dir", default="var/logingov")
    parser.add_argument("--sp-metadata", required=True, help="URL or file")
    parser.add_argument("--entity-id", default=None)
    parser.add_argument("--allow-faults", action="store_true")
    args = parser.parse_args(argv)
    base_url = f"http://{args.host}:{args.port}"
    simulator = Simulator(key_dir=Path(args.key_dir), sp_metadata=args.sp_metadata,
                          base_url=base_url, entity_id=args.entity_id,
                          allow_faults=args.allow_faults)
    server = serve(simulator, args.host, args.port)
    print(f"login.gov.pl simulator on {base_url} (keys in {args.key_dir})", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())

__all__ = ["KEY_PAIRS", "Simulator", "main", "serve"]

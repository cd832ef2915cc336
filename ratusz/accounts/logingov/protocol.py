"""The service provider's side of the login.gov.pl SAML 2.0 profile (domain.md §6.1).

1. A signed AuthnRequest (ECDSA-SHA256, exclusive C14N; signed by pysaml2 through
   xmlsec1) goes to the node by an auto-submitted HTTP POST form.
2. The node sends the browser back to our ACS with `SAMLart`.
3. We resolve the artifact by a signed SOAP `ArtifactResolve`.
4. The ArtifactResponse carries the Response with an EncryptedAssertion (ECDH-ES,
   AES-GCM: `xmlenc.py`); the assertion is signed by the node (checked with signxml,
   which hands back only what the signature covers: no signature wrapping).
Every check that fails raises `SamlError` with a code the ACS page explains and logs.
"""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime, timedelta

import requests
from lxml import etree
from signxml import DigestAlgorithm, SignatureConfiguration, SignatureMethod, XMLVerifier
from signxml.exceptions import InvalidInput, InvalidSignature

from ratusz.accounts.identity import LOA_LEVELS, Identity, loa_at_least
from ratusz.accounts.logingov.config import SpConfig, pysaml2_config
from ratusz.accounts.logingov.xmlenc import DecryptionError, decrypt_element

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
DS = "http://www.w3.org/2000/09/xmldsig#"
EIDAS = "http://eidas.europa.eu/saml-extensions"
NP = "http://eidas.europa.eu/attributes/naturalperson/"
NS = {"samlp": SAMLP, "saml": SAML, "soap": SOAP, "ds": DS}
ARTIFACT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
STATUS_PREFIX = "urn:oasis:names:tc:SAML:2.0:status:"
ATTRIBUTES = {
    "given_name": NP + "CurrentGivenName",
    "family_name": NP + "CurrentFamilyName",
    "birth_date": NP + "DateOfBirth",
    "pesel": NP + "PersonIdentifier",
}
FRIENDLY = {"given_name": "FirstName", "family_name": "FamilyName",
            "birth_date": "DateOfBirth", "pesel": "PersonIdentifier"}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                          remove_comments=True, load_dtd=False)


class SamlError(Exception):
    """A response we refuse. `code` is stable (logged, explained on the page)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


def new_id() -> str:
    return "_" + secrets.token_hex(20)


def instant(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_instant(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError as error:
        raise SamlError("malformed", f"bad time {value!r}") from error


def parse_xml(data: bytes) -> etree._Element:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise SamlError("malformed", "a DOCTYPE is not allowed")
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as error:
        raise SamlError("malformed", str(error)) from error


# --- What we send -------------------------------------------------------------------------

def _sign(cfg: SpConfig, xml: etree._Element, node_name: str) -> str:
    """Sign a message with our signing key: pysaml2 → xmlsec1, ECDSA-SHA256, exc-C14N."""
    from saml2 import xmldsig
    from saml2.sigver import pre_signature_part, security_context

    sec = security_context(pysaml2_config(cfg))
    message_id = xml.get("ID")
    template = pre_signature_part(message_id, sec.my_cert, 1,
                                  sign_alg=xmldsig.SIG_ECDSA_SHA256,
                                  digest_alg=xmldsig.DIGEST_SHA256)
    signature = etree.fromstring(template.to_string())
    issuer = xml.find(f"{{{SAML}}}Issuer")
    issuer.addnext(signature)
    return sec.sign_statement(etree.tostring(xml).decode(), node_name=node_name,
                              node_id=message_id)


def _element(tag: str, nsmap=None, **attributes) -> etree._Element:
    return etree.Element(tag, nsmap=nsmap, **attributes)


def authn_request(cfg: SpConfig, request_id: str) -> str:
    """The signed AuthnRequest as the node expects it (ForceAuthn, Artifact binding,
    eIDAS SPType public, the four natural-person attributes, minimum LoA)."""
    root = _element(f"{{{SAMLP}}}AuthnRequest",
                    nsmap={"saml2p": SAMLP, "saml2": SAML, "eidas": EIDAS, "ds": DS},
                    ID=request_id, Version="2.0", IssueInstant=instant(),
                    Destination=cfg.sso_url, AssertionConsumerServiceURL=cfg.acs_url,
                    ForceAuthn="true", IsPassive="false", ProtocolBinding=ARTIFACT_BINDING)
    etree.SubElement(root, f"{{{SAML}}}Issuer").text = cfg.sp_entity_id
    extensions = etree.SubElement(root, f"{{{SAMLP}}}Extensions")
    etree.SubElement(extensions, f"{{{EIDAS}}}SPType").text = "public"
    requested = etree.SubElement(extensions, f"{{{EIDAS}}}RequestedAttributes")
    for key, name in ATTRIBUTES.items():
        etree.SubElement(requested, f"{{{EIDAS}}}RequestedAttribute",
                         FriendlyName=FRIENDLY[key], Name=name,
                         NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
                         isRequired="true")
    etree.SubElement(root, f"{{{SAMLP}}}NameIDPolicy", AllowCreate="true",
                     Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified")
    context = etree.SubElement(root, f"{{{SAMLP}}}RequestedAuthnContext",
                               Comparison="minimum")
    etree.SubElement(context, f"{{{SAML}}}AuthnContextClassRef").text = cfg.loa
    return _sign(cfg, root, f"{SAMLP}:AuthnRequest")


def encode_for_post(xml: str) -> str:
    return base64.b64encode(xml.encode()).decode()


def artifact_resolve(cfg: SpConfig, artifact: str) -> tuple[str, str]:
    resolve_id = new_id()
    root = _element(f"{{{SAMLP}}}ArtifactResolve", nsmap={"saml2p": SAMLP, "saml2": SAML},
                    ID=resolve_id, Version="2.0", IssueInstant=instant(),
                    Destination=cfg.artifact_url)
    etree.SubElement(root, f"{{{SAML}}}Issuer").text = cfg.sp_entity_id
    etree.SubElement(root, f"{{{SAMLP}}}Artifact").text = artifact
    return resolve_id, _sign(cfg, root, f"{SAMLP}:ArtifactResolve")


def soap_envelope(xml: str) -> bytes:
    body = xml.split("?>", 1)[1] if xml.startswith("<?xml") else xml
    return (f'<?xml version="1.0" encoding="UTF-8"?><soap11:Envelope xmlns:soap11="{SOAP}">'
            f"<soap11:Body>{body.strip()}</soap11:Body></soap11:Envelope>").encode()


def resolve_artifact(cfg: SpConfig, artifact: str, *, timeout: float = 10.0
                     ) -> tuple[str, bytes]:
    """Send the signed ArtifactResolve over SOAP; returns (its id, the SOAP answer)."""
    resolve_id, xml = artifact_resolve(cfg, artifact)
    try:
        answer = requests.post(cfg.artifact_url, data=soap_envelope(xml), timeout=timeout,
                               headers={"Content-Type": "text/xml; charset=utf-8",
                                        "SOAPAction": "http://www.oasis-open.org/committees/"
                                                      "security"})
    except requests.RequestException as error:
        raise SamlError("node_unreachable", type(error).__name__) from error
    if answer.status_code != 200:
        raise SamlError("node_error", f"HTTP {answer.status_code}")
    return resolve_id, answer.content


def logout_request(cfg: SpConfig, name_id: str, session_index: str) -> tuple[str, str]:
    request_id = new_id()
    root = _element(f"{{{SAMLP}}}LogoutRequest", nsmap={"saml2p": SAMLP, "saml2": SAML},
                    ID=request_id, Version="2.0", IssueInstant=instant(),
                    Destination=cfg.idp_slo_url,
                    NotOnOrAfter=instant(datetime.now(UTC) + timedelta(minutes=5)))
    etree.SubElement(root, f"{{{SAML}}}Issuer").text = cfg.sp_entity_id
    etree.SubElement(root, f"{{{SAML}}}NameID",
                     Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
                     ).text = name_id
    if session_index:
        etree.SubElement(root, f"{{{SAMLP}}}SessionIndex").text = session_index
    return request_id, _sign(cfg, root, f"{SAMLP}:LogoutRequest")


ALGSUPPORT = "urn:oasis:names:tc:SAML:metadata:algsupport"


def metadata(cfg: SpConfig) -> bytes:
    """Our SP metadata (signing and encryption keys, ACS with the Artifact binding, SLO).

    pysaml2 advertises in the algorithm-support extension everything the xmlsec1 binary can
    do (md5, sha1, dsa-sha1, ripemd160 …); we advertise exactly what we sign with and
    accept (`_VERIFY_CONFIG`)."""
    from saml2.metadata import create_metadata_string

    data = create_metadata_string(None, pysaml2_config(cfg), valid=24 * 365)
    root = etree.fromstring(data if isinstance(data, bytes) else data.encode(), _PARSER)
    extensions = root.find("{urn:oasis:names:tc:SAML:2.0:metadata}Extensions")
    if extensions is None:
        extensions = etree.Element("{urn:oasis:names:tc:SAML:2.0:metadata}Extensions")
        root.insert(0, extensions)
    for element in extensions.findall(f"{{{ALGSUPPORT}}}*"):
        extensions.remove(element)
    for digest in sorted(_VERIFY_CONFIG.digest_algorithms, key=lambda d: d.value):
        etree.SubElement(extensions, f"{{{ALGSUPPORT}}}DigestMethod", Algorithm=digest.value)
    for method in sorted(_VERIFY_CONFIG.signature_methods, key=lambda m: m.value):
        etree.SubElement(extensions, f"{{{ALGSUPPORT}}}SigningMethod", Algorithm=method.value)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# --- What we receive ----------------------------------------------------------------------

#: What we accept from the node (and advertise in our metadata); our own messages are
#: signed with ECDSA-SHA256 and SHA-256 digests.
_VERIFY_CONFIG = SignatureConfiguration(
    require_x509=False,
    signature_methods=frozenset({SignatureMethod.ECDSA_SHA256, SignatureMethod.ECDSA_SHA384,
                                 SignatureMethod.ECDSA_SHA512, SignatureMethod.RSA_SHA256,
                                 SignatureMethod.RSA_SHA512}),
    digest_algorithms=frozenset({DigestAlgorithm.SHA256, DigestAlgorithm.SHA384,
                                 DigestAlgorithm.SHA512}),
)


def verified(element: etree._Element, cert_pem: bytes) -> etree._Element:
    """The element as covered by a valid signature of the certificate's key; the
    reference must be the element itself."""
    if element.find(f"{{{DS}}}Signature") is None:
        raise SamlError("unsigned", etree.QName(element).localname)
    try:
        result = XMLVerifier().verify(etree.tostring(element), x509_cert=cert_pem.decode(),
                                      expect_config=_VERIFY_CONFIG)
    except (InvalidSignature, InvalidInput) as error:
        raise SamlError("bad_signature", f"{etree.QName(element).localname}: {error}") \
            from error
    except Exception as error:  # malformed signature material
        raise SamlError("bad_signature", f"{type(error).__name__}") from error
    signed = result.signed_xml
    if signed is None or signed.tag != element.tag or signed.get("ID") != element.get("ID"):
        raise SamlError("bad_signature", "the signature covers another element")
    return signed


def _status(element: etree._Element) -> None:
    codes = [code.get("Value", "") for code in element.iterfind(
        "samlp:Status//samlp:StatusCode", NS)]
    if not codes or codes[0] != SUCCESS:
        detail = codes[-1] if codes else "missing"
        raise SamlError("status", detail.removeprefix(STATUS_PREFIX))


def _within(now: datetime, skew: timedelta, not_before: str | None,
            not_on_or_after: str | None) -> None:
    start, end = parse_instant(not_before), parse_instant(not_on_or_after)
    if start is not None and now + skew < start:
        raise SamlError("not_yet_valid", not_before or "")
    if end is not None and now - skew >= end:
        raise SamlError("expired", not_on_or_after or "")


def read_artifact_response(cfg: SpConfig, soap: bytes, *, resolve_id: str, request_id: str,
                           now: datetime | None = None, skew_seconds: int = 120,
                           seen=None) -> Identity:
    """Check everything and return who signed in. `seen(assertion_id, expires)` returns
    False when the assertion was used before (replay)."""
    now = now or datetime.now(UTC)
    skew = timedelta(seconds=skew_seconds)
    envelope = parse_xml(soap)
    artifact_response = envelope.find("soap:Body/samlp:ArtifactResponse", NS)
    if artifact_response is None:
        raise SamlError("malformed", "no ArtifactResponse")
    if artifact_response.find(f"{{{DS}}}Signature") is not None:
        artifact_response = verified(artifact_response, cfg.idp_cert_pem)
    if artifact_response.get("InResponseTo") != resolve_id:
        raise SamlError("in_response_to", "ArtifactResponse")
    _status(artifact_response)
    response = artifact_response.find("samlp:Response", NS)
    if response is None:
        raise SamlError("status", "NoResponse")  # an unknown or used artifact
    if response.find(f"{{{DS}}}Signature") is not None:
        response = verified(response, cfg.idp_cert_pem)
    if response.findtext("saml:Issuer", namespaces=NS) not in (None, cfg.idp_entity_id):
        raise SamlError("wrong_issuer", response.findtext("saml:Issuer", namespaces=NS))
    if response.get("Destination") not in (None, cfg.acs_url):
        raise SamlError("wrong_destination", response.get("Destination", ""))
    if response.get("InResponseTo") != request_id:
        raise SamlError("in_response_to", "Response")
    _status(response)
    encrypted = response.find("saml:EncryptedAssertion/{http://www.w3.org/2001/04/xmlenc#}"
                              "EncryptedData", NS)
    if encrypted is None:
        raise SamlError("unencrypted", "the assertion must come encrypted")
    try:
        plaintext = decrypt_element(encrypted, cfg.enc_key_pem())
    except DecryptionError as error:
        raise SamlError("decryption", str(error)) from error
    assertion = parse_xml(plaintext)
    if assertion.tag != f"{{{SAML}}}Assertion":
        raise SamlError("malformed", "the encrypted element is not an assertion")
    assertion = verified(assertion, cfg.idp_cert_pem)
    return _identity(cfg, assertion, request_id=request_id, now=now, skew=skew, seen=seen)


def _identity(cfg: SpConfig, assertion, *, request_id, now, skew, seen) -> Identity:
    if assertion.findtext("saml:Issuer", namespaces=NS) != cfg.idp_entity_id:
        raise SamlError("wrong_issuer", assertion.findtext("saml:Issuer", namespaces=NS) or "")
    confirmations = assertion.findall(
        "saml:Subject/saml:SubjectConfirmation[@Method="
        "'urn:oasis:names:tc:SAML:2.0:cm:bearer']/saml:SubjectConfirmationData", NS)
    if not confirmations:
        raise SamlError("malformed", "no bearer confirmation")
    data = confirmations[0]
    if data.get("Recipient") != cfg.acs_url:
        raise SamlError("wrong_destination", data.get("Recipient", ""))
    if data.get("InResponseTo") != request_id:
        raise SamlError("in_response_to", "SubjectConfirmationData")
    if not data.get("NotOnOrAfter"):
        raise SamlError("malformed", "no NotOnOrAfter")
    _within(now, skew, None, data.get("NotOnOrAfter"))
    conditions = assertion.find("saml:Conditions", NS)
    if conditions is None:
        raise SamlError("malformed", "no Conditions")
    _within(now, skew, conditions.get("NotBefore"), conditions.get("NotOnOrAfter"))
    audiences = [a.text for a in conditions.iterfind(
        "saml:AudienceRestriction/saml:Audience", NS)]
    if cfg.sp_entity_id not in audiences:
        raise SamlError("wrong_audience", ", ".join(a or "" for a in audiences))
    statement = assertion.find("saml:AuthnStatement", NS)
    loa = assertion.findtext("saml:AuthnStatement/saml:AuthnContext/saml:AuthnContextClassRef",
                             namespaces=NS) or ""
    if loa not in LOA_LEVELS or not loa_at_least(loa, cfg.loa):
        raise SamlError("loa_too_low", loa)
    values = {}
    for key, name in ATTRIBUTES.items():
        value = assertion.findtext(
            f"saml:AttributeStatement/saml:Attribute[@Name='{name}']/saml:AttributeValue",
            namespaces=NS)
        if not value or not value.strip():
            raise SamlError("missing_attributes", FRIENDLY[key])
        values[key] = value.strip()
    try:
        birth_date = datetime.strptime(values["birth_date"], "%Y-%m-%d").date()
    except ValueError as error:
        raise SamlError("malformed", "DateOfBirth") from error
    assertion_id = assertion.get("ID") or ""
    if not assertion_id:
        raise SamlError("malformed", "no assertion ID")
    if seen is not None and not seen(assertion_id, parse_instant(data.get("NotOnOrAfter"))):
        raise SamlError("replayed", assertion_id)
    pesel = values["pesel"].rsplit("/", 1)[-1]  # eIDAS style PL/PL/<PESEL> too
    return Identity(given_name=values["given_name"], family_name=values["family_name"],
                    birth_date=birth_date, pesel=pesel, loa=loa,
                    name_id=assertion.findtext("saml:Subject/saml:NameID", namespaces=NS)
                    or "",
                    session_index=statement.get("SessionIndex", "") if statement is not None
                    else "")


def read_logout_response(cfg: SpConfig, xml: bytes, *, request_id: str, seen=None) -> None:
    response = parse_xml(xml)
    if response.tag != f"{{{SAMLP}}}LogoutResponse":
        raise SamlError("malformed", "not a LogoutResponse")
    response = verified(response, cfg.idp_cert_pem)
    if response.get("InResponseTo") != request_id:
        raise SamlError("in_response_to", "LogoutResponse")
    if response.get("Destination") not in (None, cfg.slo_url):
        raise SamlError("wrong_destination", response.get("Destination", ""))
    _status(response)
    if seen is not None and not seen(response.get("ID") or "",
                                     datetime.now(UTC) + timedelta(hours=1)):
        raise SamlError("replayed", response.get("ID") or "")


def read_logout_request(cfg: SpConfig, xml: bytes, *, now: datetime | None = None,
                        skew_seconds: int = 120) -> tuple[str, str, str]:
    """A LogoutRequest the node sends us (the person signed out elsewhere). Returns its
    id, the NameID and the SessionIndex."""
    request = parse_xml(xml)
    if request.tag != f"{{{SAMLP}}}LogoutRequest":
        raise SamlError("malformed", "not a LogoutRequest")
    request = verified(request, cfg.idp_cert_pem)
    if request.findtext("saml:Issuer", namespaces=NS) != cfg.idp_entity_id:
        raise SamlError("wrong_issuer", request.findtext("saml:Issuer", namespaces=NS) or "")
    if request.get("Destination") not in (None, cfg.slo_url):
        raise SamlError("wrong_destination", request.get("Destination", ""))
    _within(now or datetime.now(UTC), timedelta(seconds=skew_seconds), None,
            request.get("NotOnOrAfter"))
    return (request.get("ID") or "", request.findtext("saml:NameID", namespaces=NS) or "",
            request.findtext("samlp:SessionIndex", namespaces=NS) or "")


def logout_response(cfg: SpConfig, in_response_to: str) -> str:
    """Our signed answer to the node's LogoutRequest."""
    root = _element(f"{{{SAMLP}}}LogoutResponse", nsmap={"saml2p": SAMLP, "saml2": SAML},
                    ID=new_id(), Version="2.0", IssueInstant=instant(),
                    Destination=cfg.idp_slo_url, InResponseTo=in_response_to)
    etree.SubElement(root, f"{{{SAML}}}Issuer").text = cfg.sp_entity_id
    status = etree.SubElement(root, f"{{{SAMLP}}}Status")
    etree.SubElement(status, f"{{{SAMLP}}}StatusCode", Value=SUCCESS)
    return _sign(cfg, root, f"{SAMLP}:LogoutResponse")

"""CAP 1.2 (OASIS Common Alerting Protocol) alert documents: build, validate, parse.

Pure functions over plain dataclasses, independent of the Django models: the
notifications app maps its alert model to `CapAlert`, calls `to_xml`, and publishes the
bytes (``application/cap+xml``) next to the Atom feed (see `ratusz.notifications.atom`).
`from_xml` reads external CAP (e.g. IMGW warnings) back into the same dataclasses.

`validate` checks a document against the bundled XSD (``schemas/cap-1.2.xsd``, written from
the CAP 1.2 data dictionary) and then the rules the specification states in prose that XSD
cannot express; every problem found is reported in one `CapInvalid`.

Dates: CAP wants ``YYYY-MM-DDThh:mm:ss±hh:mm`` — no "Z", no fractional seconds. `to_xml`
therefore renders every (timezone-aware) datetime in Europe/Warsaw with its offset and
drops microseconds. Naive datetimes are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from lxml import etree

from ratusz.notifications import xmltext

NS = "urn:oasis:names:tc:emergency:cap:1.2"
MIME_TYPE = "application/cap+xml"
SCHEMA_PATH = Path(__file__).parent / "schemas" / "cap-1.2.xsd"
WARSAW = ZoneInfo("Europe/Warsaw")
DEFAULT_LANGUAGE = "en-US"  # what an <info> without <language> means (spec 3.2.2)

#: The CAP 1.2 value enumerations (spec 3.2), in specification order — for form choices.
VALUES: dict[str, list[str]] = {
    "status": ["Actual", "Exercise", "System", "Test", "Draft"],
    "msgType": ["Alert", "Update", "Cancel", "Ack", "Error"],
    "scope": ["Public", "Restricted", "Private"],
    "category": [
        "Geo", "Met", "Safety", "Security", "Rescue", "Fire",
        "Health", "Env", "Transport", "Infra", "CBRNE", "Other",
    ],
    "responseType": [
        "Shelter", "Evacuate", "Prepare", "Execute", "Avoid",
        "Monitor", "Assess", "AllClear", "None",
    ],
    "urgency": ["Immediate", "Expected", "Future", "Past", "Unknown"],
    "severity": ["Extreme", "Severe", "Moderate", "Minor", "Unknown"],
    "certainty": ["Observed", "Likely", "Possible", "Unlikely", "Unknown"],
}

#: Polish UI labels for the CAP codes (the codes themselves stay English in the XML).
POLISH_LABELS: dict[str, dict[str, str]] = {
    "status": {
        "Actual": "rzeczywisty",
        "Exercise": "ćwiczenia",
        "System": "komunikat systemowy",
        "Test": "test",
        "Draft": "projekt",
    },
    "msgType": {
        "Alert": "ostrzeżenie",
        "Update": "aktualizacja",
        "Cancel": "odwołanie",
        "Ack": "potwierdzenie odbioru",
        "Error": "odrzucenie (błąd)",
    },
    "scope": {
        "Public": "publiczny",
        "Restricted": "ograniczony",
        "Private": "imienny",
    },
    "urgency": {
        "Immediate": "natychmiastowe",
        "Expected": "oczekiwane wkrótce",
        "Future": "w przyszłości",
        "Past": "minione",
        "Unknown": "nieznane",
    },
    "severity": {
        "Extreme": "ekstremalne",
        "Severe": "poważne",
        "Moderate": "umiarkowane",
        "Minor": "niewielkie",
        "Unknown": "nieznane",
    },
    "certainty": {
        "Observed": "zaobserwowane",
        "Likely": "prawdopodobne",
        "Possible": "możliwe",
        "Unlikely": "mało prawdopodobne",
        "Unknown": "nieznane",
    },
    "category": {
        "Geo": "geofizyczne",
        "Met": "meteorologiczne (w tym powódź)",
        "Safety": "bezpieczeństwo ogólne",
        "Security": "bezpieczeństwo publiczne",
        "Rescue": "ratownictwo",
        "Fire": "pożar",
        "Health": "zdrowie",
        "Env": "środowisko",
        "Transport": "transport",
        "Infra": "infrastruktura i media",
        "CBRNE": "zagrożenie chemiczne, biologiczne, radiacyjne, jądrowe lub wybuchowe",
        "Other": "inne",
    },
    "responseType": {
        "Shelter": "schronić się",
        "Evacuate": "ewakuować się",
        "Prepare": "przygotować się",
        "Execute": "wykonać zalecenia",
        "Avoid": "unikać zagrożenia",
        "Monitor": "śledzić komunikaty",
        "Assess": "ocenić sytuację",
        "AllClear": "zagrożenie minęło",
        "None": "brak działań",
    },
}


class CapInvalid(ValueError):
    """A CAP document failed validation; `messages` lists every problem found."""

    def __init__(self, messages: list[str]):
        self.messages = list(messages)
        super().__init__("; ".join(self.messages))


# --------------------------------------------------------------------------- dataclasses


@dataclass
class CapReference:
    """One earlier message this one refers to (rendered as ``sender,identifier,sent``)."""

    sender: str
    identifier: str
    sent: datetime


@dataclass
class CapResource:
    resource_desc: str
    mime_type: str
    size: int | None = None
    uri: str = ""
    deref_uri: str = ""
    digest: str = ""


@dataclass
class CapArea:
    area_desc: str
    #: (valueName, value), e.g. ("TERYT_SIMC", "0987654"), ("TERYT_TERC", "0609072")
    geocodes: list[tuple[str, str]] = field(default_factory=list)
    #: "lat,lon lat,lon ..." (WGS 84), closed: first pair == last pair, at least 4 pairs
    polygons: list[str] = field(default_factory=list)
    #: "lat,lon radius_km"
    circles: list[str] = field(default_factory=list)
    altitude: float | None = None
    ceiling: float | None = None


@dataclass
class CapInfo:
    event: str
    urgency: str
    severity: str
    certainty: str
    headline: str = ""
    description: str = ""
    instruction: str = ""
    categories: list[str] = field(default_factory=lambda: ["Met"])
    response_types: list[str] = field(default_factory=list)
    language: str = "pl-PL"
    sender_name: str = ""
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    web: str = ""
    contact: str = ""
    audience: str = ""
    event_codes: list[tuple[str, str]] = field(default_factory=list)
    parameters: list[tuple[str, str]] = field(default_factory=list)
    resources: list[CapResource] = field(default_factory=list)
    areas: list[CapArea] = field(default_factory=list)


@dataclass
class CapAlert:
    identifier: str
    sender: str
    sent: datetime
    status: str = "Actual"
    msg_type: str = "Alert"
    scope: str = "Public"
    source: str = ""
    restriction: str = ""
    addresses: str = ""
    codes: list[str] = field(default_factory=list)
    references: list[CapReference] = field(default_factory=list)
    note: str = ""
    incidents: str = ""
    info: list[CapInfo] = field(default_factory=list)


# --------------------------------------------------------------------------- dates

_CAP_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")


def format_datetime(value: datetime) -> str:
    """A CAP date-time: Europe/Warsaw wall time with its offset, whole seconds."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"CAP needs a timezone-aware datetime, got naive {value!r}")
    return value.astimezone(WARSAW).replace(microsecond=0).isoformat()


def parse_datetime(text: str) -> datetime:
    """Parse a CAP date-time (also tolerates "Z" from sloppy producers when importing)."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        raise ValueError(f"CAP date-time without offset: {text!r}")
    return value


def format_references(references: list[CapReference]) -> str:
    return " ".join(
        f"{ref.sender},{ref.identifier},{format_datetime(ref.sent)}" for ref in references
    )


# --------------------------------------------------------------------------- to_xml


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _add(parent: etree._Element, name: str, text: str | None) -> etree._Element | None:
    """Append <name>text</name>; optional elements with empty text are left out."""
    if text is None or text == "":
        return None
    el = etree.SubElement(parent, _q(name))
    el.text = text
    return el


def _add_pairs(parent: etree._Element, name: str, pairs: list[tuple[str, str]]) -> None:
    for value_name, value in pairs:
        el = etree.SubElement(parent, _q(name))
        etree.SubElement(el, _q("valueName")).text = value_name
        etree.SubElement(el, _q("value")).text = value


def _decimal(value: float | None) -> str | None:
    return None if value is None else f"{Decimal(repr(value)):f}"


def _info_element(parent: etree._Element, info: CapInfo) -> None:
    el = etree.SubElement(parent, _q("info"))
    _add(el, "language", info.language)
    for category in info.categories:
        _add(el, "category", category)
    etree.SubElement(el, _q("event")).text = info.event
    for response_type in info.response_types:
        _add(el, "responseType", response_type)
    etree.SubElement(el, _q("urgency")).text = info.urgency
    etree.SubElement(el, _q("severity")).text = info.severity
    etree.SubElement(el, _q("certainty")).text = info.certainty
    _add(el, "audience", info.audience)
    _add_pairs(el, "eventCode", info.event_codes)
    for name in ("effective", "onset", "expires"):
        value = getattr(info, name)
        if value is not None:
            _add(el, name, format_datetime(value))
    _add(el, "senderName", info.sender_name)
    _add(el, "headline", info.headline)
    _add(el, "description", info.description)
    _add(el, "instruction", info.instruction)
    _add(el, "web", info.web)
    _add(el, "contact", info.contact)
    _add_pairs(el, "parameter", info.parameters)
    for resource in info.resources:
        res = etree.SubElement(el, _q("resource"))
        etree.SubElement(res, _q("resourceDesc")).text = resource.resource_desc
        etree.SubElement(res, _q("mimeType")).text = resource.mime_type
        if resource.size is not None:
            _add(res, "size", str(resource.size))
        _add(res, "uri", resource.uri)
        _add(res, "derefUri", resource.deref_uri)
        _add(res, "digest", resource.digest)
    for area in info.areas:
        ar = etree.SubElement(el, _q("area"))
        etree.SubElement(ar, _q("areaDesc")).text = area.area_desc
        for polygon in area.polygons:
            _add(ar, "polygon", polygon)
        for circle in area.circles:
            _add(ar, "circle", circle)
        _add_pairs(ar, "geocode", area.geocodes)
        _add(ar, "altitude", _decimal(area.altitude))
        _add(ar, "ceiling", _decimal(area.ceiling))


def to_xml(alert: CapAlert) -> bytes:
    """The alert as a CAP 1.2 document: UTF-8 bytes with an XML declaration.

    Elements are written in the schema's sequence order; optional elements whose value is
    empty are left out. The result is not validated here — call `validate` on it. A text
    XML cannot carry raises `xmltext.UnsafeText` naming it (``info[0].headline``): the
    document is one alert, so it is not written at all.
    """
    xmltext.check(alert)
    root = etree.Element(_q("alert"), nsmap={None: NS})
    etree.SubElement(root, _q("identifier")).text = alert.identifier
    etree.SubElement(root, _q("sender")).text = alert.sender
    etree.SubElement(root, _q("sent")).text = format_datetime(alert.sent)
    etree.SubElement(root, _q("status")).text = alert.status
    etree.SubElement(root, _q("msgType")).text = alert.msg_type
    _add(root, "source", alert.source)
    etree.SubElement(root, _q("scope")).text = alert.scope
    _add(root, "restriction", alert.restriction)
    _add(root, "addresses", alert.addresses)
    for code in alert.codes:
        _add(root, "code", code)
    _add(root, "note", alert.note)
    _add(root, "references", format_references(alert.references))
    _add(root, "incidents", alert.incidents)
    for info in alert.info:
        _info_element(root, info)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --------------------------------------------------------------------------- parsing


def _parse(xml: bytes) -> etree._Element:
    """Parse untrusted XML safely: no DTD, no entity expansion, no network."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_comments=False,
    )
    try:
        doc = etree.fromstring(xml, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise CapInvalid([f"not well-formed XML: {exc}"]) from exc
    if doc.getroottree().docinfo.doctype:
        raise CapInvalid(["a DOCTYPE declaration is not allowed in a CAP document"])
    return doc


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def _text(el: etree._Element, name: str) -> str:
    child = el.find(_q(name))
    return (child.text or "").strip() if child is not None else ""


def _texts(el: etree._Element, name: str) -> list[str]:
    return [(child.text or "").strip() for child in el.findall(_q(name))]


def _pairs(el: etree._Element, name: str) -> list[tuple[str, str]]:
    return [(_text(child, "valueName"), _text(child, "value")) for child in el.findall(_q(name))]


def _opt_datetime(el: etree._Element, name: str) -> datetime | None:
    text = _text(el, name)
    return parse_datetime(text) if text else None


def _opt_float(el: etree._Element, name: str) -> float | None:
    text = _text(el, name)
    return float(text) if text else None


def _parse_references(text: str) -> list[CapReference]:
    refs = []
    for triple in text.split():
        parts = triple.split(",")
        if len(parts) != 3:
            raise ValueError(f"reference {triple!r} is not a sender,identifier,sent triple")
        refs.append(CapReference(parts[0], parts[1], parse_datetime(parts[2])))
    return refs


def from_xml(xml: bytes) -> CapAlert:
    """Read a CAP 1.2 document into a `CapAlert` (parsed safely; not validated — call
    `validate` first for untrusted input). Raises CapInvalid when it is not CAP 1.2 or its
    dates and references cannot be read."""
    root = _parse(xml)
    if root.tag != _q("alert"):
        raise CapInvalid([f"root element is {root.tag}, expected {{{NS}}}alert"])
    try:
        return _alert_from_element(root)
    except ValueError as exc:
        raise CapInvalid([str(exc)]) from exc


def _alert_from_element(root: etree._Element) -> CapAlert:
    infos = []
    for el in root.findall(_q("info")):
        areas = [
            CapArea(
                area_desc=_text(ar, "areaDesc"),
                geocodes=_pairs(ar, "geocode"),
                polygons=_texts(ar, "polygon"),
                circles=_texts(ar, "circle"),
                altitude=_opt_float(ar, "altitude"),
                ceiling=_opt_float(ar, "ceiling"),
            )
            for ar in el.findall(_q("area"))
        ]
        resources = [
            CapResource(
                resource_desc=_text(res, "resourceDesc"),
                mime_type=_text(res, "mimeType"),
                size=int(_text(res, "size")) if _text(res, "size") else None,
                uri=_text(res, "uri"),
                deref_uri=_text(res, "derefUri"),
                digest=_text(res, "digest"),
            )
            for res in el.findall(_q("resource"))
        ]
        infos.append(CapInfo(
            event=_text(el, "event"),
            urgency=_text(el, "urgency"),
            severity=_text(el, "severity"),
            certainty=_text(el, "certainty"),
            headline=_text(el, "headline"),
            description=_text(el, "description"),
            instruction=_text(el, "instruction"),
            categories=_texts(el, "category"),
            response_types=_texts(el, "responseType"),
            language=_text(el, "language") or DEFAULT_LANGUAGE,
            audience=_text(el, "audience"),
            sender_name=_text(el, "senderName"),
            effective=_opt_datetime(el, "effective"),
            onset=_opt_datetime(el, "onset"),
            expires=_opt_datetime(el, "expires"),
            web=_text(el, "web"),
            contact=_text(el, "contact"),
            event_codes=_pairs(el, "eventCode"),
            parameters=_pairs(el, "parameter"),
            resources=resources,
            areas=areas,
        ))
    return CapAlert(
        identifier=_text(root, "identifier"),
        sender=_text(root, "sender"),
        sent=parse_datetime(_text(root, "sent")),
        status=_text(root, "status"),
        msg_type=_text(root, "msgType"),
        scope=_text(root, "scope"),
        source=_text(root, "source"),
        restriction=_text(root, "restriction"),
        addresses=_text(root, "addresses"),
        codes=_texts(root, "code"),
        references=_parse_references(_text(root, "references")),
        note=_text(root, "note"),
        incidents=_text(root, "incidents"),
        info=infos,
    )


# --------------------------------------------------------------------------- validation

#: identifier/sender (and the parts of a reference): spec 3.2.1 forbids spaces, commas
#: and the restricted characters < and &.
_FORBIDDEN_IN_ID = re.compile(r"[\s,<&]")
_ABSOLUTE_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)
_TERYT_CODE = {"TERYT_SIMC": re.compile(r"^\d{7}$"), "TERYT_TERC": re.compile(r"^\d{7}$")}
_POINT = re.compile(r"^(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$")


def _check_point(text: str, where: str, errors: list[str]) -> bool:
    match = _POINT.match(text)
    if not match:
        errors.append(f"{where}: {text!r} is not a 'latitude,longitude' pair")
        return False
    lat, lon = float(match.group(1)), float(match.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        errors.append(f"{where}: {text!r} is outside WGS 84 latitude/longitude ranges")
        return False
    return True


def _check_id(value: str, what: str, errors: list[str]) -> None:
    if not value:
        errors.append(f"<{what}> must not be empty")
    elif _FORBIDDEN_IN_ID.search(value):
        errors.append(f"<{what}> {value!r} must not contain spaces, commas, '<' or '&'")


def _check_rules(root: etree._Element) -> list[str]:
    """The CAP 1.2 rules stated in prose (spec 3.2) that the XSD does not check."""
    errors: list[str] = []
    _check_id(_text(root, "identifier"), "identifier", errors)
    _check_id(_text(root, "sender"), "sender", errors)

    msg_type = _text(root, "msgType")
    scope = _text(root, "scope")
    references = _text(root, "references")
    if msg_type in ("Update", "Cancel", "Ack", "Error") and not references:
        errors.append(f"msgType {msg_type} requires <references> to the earlier message(s)")
    for n, triple in enumerate(references.split(), start=1):
        parts = triple.split(",")
        if len(parts) != 3 or not all(parts):
            errors.append(f"<references> entry {n} {triple!r} is not 'sender,identifier,sent'")
            continue
        if not _CAP_DATETIME.match(parts[2]):
            errors.append(
                f"<references> entry {n}: sent {parts[2]!r} is not a CAP date-time "
                "(YYYY-MM-DDThh:mm:ss±hh:mm)"
            )
        if (parts[0], parts[1]) == (_text(root, "sender"), _text(root, "identifier")):
            errors.append(f"<references> entry {n} refers to this message itself")
    if scope == "Restricted" and not _text(root, "restriction"):
        errors.append("scope Restricted requires <restriction>")
    if scope == "Private" and not _text(root, "addresses"):
        errors.append("scope Private requires <addresses>")

    infos = root.findall(_q("info"))
    if msg_type in ("Alert", "Update") and not infos:
        errors.append(
            f"msgType {msg_type} needs at least one <info> "
            "(event, urgency, severity, certainty)"
        )
    for i, info in enumerate(infos, start=1):
        where = f"<info> {i}"
        if not _text(info, "event"):
            errors.append(f"{where}: <event> must not be empty")
        times = {}
        for name in ("effective", "onset", "expires"):
            text = _text(info, name)
            if text and _CAP_DATETIME.match(text):
                times[name] = parse_datetime(text)
        if "onset" in times and "expires" in times and times["onset"] > times["expires"]:
            errors.append(f"{where}: <onset> {_text(info, 'onset')} is after "
                          f"<expires> {_text(info, 'expires')}")
        if ("effective" in times and "expires" in times
                and times["effective"] > times["expires"]):
            errors.append(f"{where}: <effective> {_text(info, 'effective')} is after "
                          f"<expires> {_text(info, 'expires')}")
        web = _text(info, "web")
        if web and not _ABSOLUTE_URL.match(web):
            errors.append(f"{where}: <web> {web!r} must be an absolute http(s) URL")
        for j, area in enumerate(info.findall(_q("area")), start=1):
            a_where = f"{where} <area> {j}"
            if not _text(area, "areaDesc"):
                errors.append(f"{a_where}: <areaDesc> must not be empty")
            for polygon in _texts(area, "polygon"):
                points = polygon.split()
                if not all(_check_point(p, f"{a_where} <polygon>", errors) for p in points):
                    continue
                if len(points) < 4:
                    errors.append(f"{a_where}: <polygon> needs at least 4 points, has "
                                  f"{len(points)}")
                elif points[0] != points[-1]:
                    errors.append(f"{a_where}: <polygon> is not closed (first point "
                                  f"{points[0]} != last point {points[-1]})")
            for circle in _texts(area, "circle"):
                parts = circle.split()
                if len(parts) != 2:
                    errors.append(f"{a_where}: <circle> {circle!r} is not 'lat,lon radius'")
                    continue
                _check_point(parts[0], f"{a_where} <circle>", errors)
                try:
                    radius = float(parts[1])
                except ValueError:
                    radius = -1.0
                if radius < 0:
                    errors.append(f"{a_where}: <circle> radius {parts[1]!r} is not a "
                                  "non-negative number of km")
            for value_name, value in _pairs(area, "geocode"):
                pattern = _TERYT_CODE.get(value_name)
                if pattern and not pattern.match(value):
                    errors.append(f"{a_where}: geocode {value_name} {value!r} must be 7 digits")
            altitude, ceiling = _text(area, "altitude"), _text(area, "ceiling")
            if ceiling and not altitude:
                errors.append(f"{a_where}: <ceiling> is only allowed with <altitude>")
    return errors


def validate(xml: bytes) -> None:
    """Raise CapInvalid listing every problem unless `xml` is a valid CAP 1.2 alert:
    XSD validation against the bundled schema, then the specification's prose rules.
    """
    root = _parse(xml)
    schema = _schema()
    if not schema.validate(root):
        raise CapInvalid([f"line {e.line}: {e.message}" for e in schema.error_log])
    errors = _check_rules(root)
    if errors:
        raise CapInvalid(errors)

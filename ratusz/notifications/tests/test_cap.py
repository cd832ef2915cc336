"""CAP 1.2 documents: building, the bundled XSD, the prose rules, parsing back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from lxml import etree

from ratusz.notifications import cap
from ratusz.notifications.cap import (
    CapAlert,
    CapArea,
    CapInfo,
    CapInvalid,
    CapReference,
    from_xml,
    to_xml,
    validate,
)

NS = {"c": cap.NS}
SENT = datetime(2026, 7, 10, 12, 0, tzinfo=UTC)  # 14:00 in Warsaw (CEST, +02:00)


def full_alert(**overrides) -> CapAlert:
    info = CapInfo(
        event="Intensywne opady deszczu",
        urgency="Expected",
        severity="Severe",
        certainty="Likely",
        headline="Ostrzeżenie: ulewy i podtopienia w gminie Żółkiewka",
        description="Prognozowana suma opadów 50–70 mm. Możliwe podtopienia ulic i piwnic.",
        instruction="Zabezpiecz mienie, unikaj przejazdu zalanymi drogami, śledź komunikaty.",
        categories=["Met", "Safety"],
        response_types=["Prepare", "Monitor"],
        sender_name="Urząd Gminy Żółkiewka",
        effective=SENT,
        onset=SENT + timedelta(hours=2),
        expires=SENT + timedelta(hours=26),
        web="https://zolkiewka.ratusz.example.pl/powiadomienia/17",
        contact="Gminne Centrum Zarządzania Kryzysowego, tel. 84 000 00 00",
        event_codes=[("RATUSZ_KIND", "weather")],
        parameters=[("awareness_level", "3; orange; Severe")],
        areas=[
            CapArea(
                area_desc="Żółkiewka, Wólka Orłowska",
                geocodes=[("TERYT_SIMC", "0987654"), ("TERYT_TERC", "0609072")],
                polygons=["50.90,22.80 50.95,22.85 50.90,22.90 50.90,22.80"],
                circles=["50.91,22.83 2.5"],
            ),
        ],
    )
    alert = CapAlert(
        identifier="PL-TERC-0609072-2026-17",
        sender="ratusz.zolkiewka@ratusz.example.pl",
        sent=SENT,
        note="Komunikat wójta gminy",
        info=[info],
    )
    for key, value in overrides.items():
        setattr(alert, key, value)
    return alert


def messages_of(xml: bytes) -> list[str]:
    with pytest.raises(CapInvalid) as exc:
        validate(xml)
    return exc.value.messages


def mutate(xml: bytes, change) -> bytes:
    root = etree.fromstring(xml)
    change(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# ------------------------------------------------------------------ building and valid docs


def test_full_polish_alert_validates_and_keeps_diacritics():
    xml = to_xml(full_alert())
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    validate(xml)  # no exception
    root = etree.fromstring(xml)
    assert root.tag == "{urn:oasis:names:tc:emergency:cap:1.2}alert"
    headline = root.findtext("c:info/c:headline", namespaces=NS)
    assert headline == "Ostrzeżenie: ulewy i podtopienia w gminie Żółkiewka"
    assert "Żółkiewka".encode() in xml  # raw UTF-8, not character references
    geocodes = [
        (g.findtext("c:valueName", namespaces=NS), g.findtext("c:value", namespaces=NS))
        for g in root.findall("c:info/c:area/c:geocode", NS)
    ]
    assert geocodes == [("TERYT_SIMC", "0987654"), ("TERYT_TERC", "0609072")]


def test_dates_are_warsaw_offsets_without_z_or_fractions():
    summer = datetime(2026, 7, 10, 12, 0, 0, 987654, tzinfo=UTC)
    winter = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    assert cap.format_datetime(summer) == "2026-07-10T14:00:00+02:00"
    assert cap.format_datetime(winter) == "2026-01-10T13:00:00+01:00"
    root = etree.fromstring(to_xml(full_alert(sent=summer)))
    assert root.findtext("c:sent", namespaces=NS) == "2026-07-10T14:00:00+02:00"
    assert root.findtext("c:info/c:onset", namespaces=NS) == "2026-07-10T16:00:00+02:00"


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        to_xml(full_alert(sent=datetime(2026, 7, 10, 12, 0)))


def test_elements_come_in_schema_order():
    root = etree.fromstring(to_xml(full_alert()))
    names = [etree.QName(el).localname for el in root]
    assert names == ["identifier", "sender", "sent", "status", "msgType", "scope", "note", "info"]
    info = [etree.QName(el).localname for el in root.find("c:info", NS)]
    assert info == [
        "language", "category", "category", "event", "responseType", "responseType",
        "urgency", "severity", "certainty", "eventCode", "effective", "onset", "expires",
        "senderName", "headline", "description", "instruction", "web", "contact",
        "parameter", "area",
    ]
    area = [etree.QName(el).localname for el in root.find("c:info/c:area", NS)]
    assert area == ["areaDesc", "polygon", "circle", "geocode", "geocode"]


def test_round_trip_gives_an_equal_alert():
    alert = full_alert()
    again = from_xml(to_xml(alert))
    assert again == alert
    assert again.info[0].areas[0].geocodes == [("TERYT_SIMC", "0987654"), ("TERYT_TERC", "0609072")]
    # the instant is kept, expressed at the Warsaw offset
    assert again.sent.utcoffset() == timedelta(hours=2)


def test_round_trip_changes_are_detected():
    alert = full_alert()
    again = from_xml(to_xml(alert))
    again.info[0].severity = "Moderate"
    assert again != alert


def test_headline_with_lt_and_amp_is_escaped_and_survives():
    alert = full_alert()
    alert.info[0].headline = "Awaria wodociągu <ul. Polna & ul. Leśna>"
    alert.note = "A & B < C"
    xml = to_xml(alert)
    assert b"Awaria wodoci\xc4\x85gu &lt;ul. Polna &amp; ul. Le\xc5\x9bna&gt;" in xml
    assert b"<ul. Polna" not in xml
    validate(xml)
    again = from_xml(xml)
    assert again.info[0].headline == "Awaria wodociągu <ul. Polna & ul. Leśna>"
    assert again.note == "A & B < C"


def test_update_carries_the_reference_triple_to_the_original():
    original = full_alert()
    update = full_alert(
        identifier="PL-TERC-0609072-2026-18",
        sent=SENT + timedelta(hours=1),
        msg_type="Update",
        references=[CapReference(original.sender, original.identifier, original.sent)],
    )
    xml = to_xml(update)
    validate(xml)
    refs = etree.fromstring(xml).findtext("c:references", namespaces=NS)
    assert refs == (
        "ratusz.zolkiewka@ratusz.example.pl,PL-TERC-0609072-2026-17,2026-07-10T14:00:00+02:00"
    )
    assert from_xml(xml).references == [
        CapReference("ratusz.zolkiewka@ratusz.example.pl", "PL-TERC-0609072-2026-17", SENT)
    ]


def test_several_references_are_space_separated():
    refs = [
        CapReference("a@x.pl", "ID-1", SENT),
        CapReference("a@x.pl", "ID-2", SENT + timedelta(minutes=5)),
    ]
    assert cap.format_references(refs) == (
        "a@x.pl,ID-1,2026-07-10T14:00:00+02:00 a@x.pl,ID-2,2026-07-10T14:05:00+02:00"
    )


def test_cancel_without_info_is_valid():
    xml = to_xml(full_alert(
        msg_type="Cancel", info=[],
        references=[CapReference("ratusz.zolkiewka@ratusz.example.pl", "PL-1", SENT)],
    ))
    validate(xml)
    assert from_xml(xml).info == []


# ------------------------------------------------------------------ refused documents


def test_wrong_severity_value_is_refused():
    xml = to_xml(full_alert()).replace(b"<severity>Severe<", b"<severity>Serious<")
    messages = messages_of(xml)
    assert len(messages) == 1
    assert "severity" in messages[0]
    assert "'Serious' is not an element of the set" in messages[0]


def test_swapped_element_order_is_refused():
    def swap(root):
        info = root.find("c:info", NS)
        urgency, severity = info.find("c:urgency", NS), info.find("c:severity", NS)
        urgency.addprevious(severity)  # severity now before urgency

    messages = messages_of(mutate(to_xml(full_alert()), swap))
    assert any("severity': This element is not expected" in m for m in messages)
    assert any("urgency" in m for m in messages)


def test_missing_event_is_refused():
    def drop(root):
        event = root.find("c:info/c:event", NS)
        event.getparent().remove(event)

    messages = messages_of(mutate(to_xml(full_alert()), drop))
    assert len(messages) == 1
    assert "responseType': This element is not expected" in messages[0]
    assert "Expected is one of ( {urn:oasis:names:tc:emergency:cap:1.2}category, " \
        "{urn:oasis:names:tc:emergency:cap:1.2}event )" in messages[0]


def test_empty_event_is_refused():
    alert = full_alert()
    alert.info[0].event = ""
    assert "<info> 1: <event> must not be empty" in messages_of(to_xml(alert))


def test_update_without_references_is_refused():
    messages = messages_of(to_xml(full_alert(msg_type="Update")))
    assert messages == ["msgType Update requires <references> to the earlier message(s)"]


def test_malformed_reference_is_refused():
    xml = to_xml(full_alert(msg_type="Update")).replace(
        b"</note>",
        b"</note><references>a@x.pl,ID-1,2026-07-10T12:00:00Z</references>",
    )
    messages = messages_of(xml)
    assert messages == [
        "<references> entry 1: sent '2026-07-10T12:00:00Z' is not a CAP date-time "
        "(YYYY-MM-DDThh:mm:ss±hh:mm)"
    ]


def test_z_timestamp_is_refused():
    xml = to_xml(full_alert()).replace(
        b"<sent>2026-07-10T14:00:00+02:00</sent>", b"<sent>2026-07-10T12:00:00Z</sent>"
    )
    messages = messages_of(xml)
    assert len(messages) == 1
    assert "sent" in messages[0]
    assert "'2026-07-10T12:00:00Z' is not accepted by the pattern" in messages[0]


def test_fractional_seconds_are_refused():
    xml = to_xml(full_alert()).replace(
        b"<sent>2026-07-10T14:00:00+02:00</sent>", b"<sent>2026-07-10T14:00:00.5+02:00</sent>"
    )
    assert "is not accepted by the pattern" in messages_of(xml)[0]


def test_onset_after_expiry_is_refused():
    alert = full_alert()
    alert.info[0].onset = SENT + timedelta(days=2)
    messages = messages_of(to_xml(alert))
    assert messages == [
        "<info> 1: <onset> 2026-07-12T14:00:00+02:00 is after "
        "<expires> 2026-07-11T16:00:00+02:00"
    ]


def test_onset_equal_to_expiry_is_allowed():
    alert = full_alert()
    alert.info[0].onset = alert.info[0].expires
    validate(to_xml(alert))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("identifier", "PL TERC 1"),
        ("identifier", "PL,1"),
        ("sender", "gmina<x>@example.pl"),
        ("sender", "a&b@example.pl"),
    ],
)
def test_identifier_and_sender_with_forbidden_characters_are_refused(field, value):
    messages = messages_of(to_xml(full_alert(**{field: value})))
    assert messages == [f"<{field}> {value!r} must not contain spaces, commas, '<' or '&'"]


def test_alert_without_info_is_refused():
    messages = messages_of(to_xml(full_alert(info=[])))
    assert messages == [
        "msgType Alert needs at least one <info> (event, urgency, severity, certainty)"
    ]


def test_restricted_and_private_scopes_need_their_elements():
    assert messages_of(to_xml(full_alert(scope="Restricted"))) == [
        "scope Restricted requires <restriction>"
    ]
    assert messages_of(to_xml(full_alert(scope="Private"))) == [
        "scope Private requires <addresses>"
    ]
    validate(to_xml(full_alert(scope="Restricted", restriction="tylko służby gminne")))


def test_area_geometry_and_teryt_codes_are_checked():
    alert = full_alert()
    area = alert.info[0].areas[0]
    area.polygons = ["50.90,22.80 50.95,22.85 50.90,22.90 50.91,22.80"]
    area.circles = ["91.0,22.83 2.5"]
    area.geocodes = [("TERYT_SIMC", "98765")]
    messages = messages_of(to_xml(alert))
    assert messages == [
        "<info> 1 <area> 1: <polygon> is not closed (first point 50.90,22.80 != "
        "last point 50.91,22.80)",
        "<info> 1 <area> 1 <circle>: '91.0,22.83' is outside WGS 84 latitude/longitude ranges",
        "<info> 1 <area> 1: geocode TERYT_SIMC '98765' must be 7 digits",
    ]


def test_relative_web_link_is_refused():
    alert = full_alert()
    alert.info[0].web = "/powiadomienia/17"
    assert messages_of(to_xml(alert)) == [
        "<info> 1: <web> '/powiadomienia/17' must be an absolute http(s) URL"
    ]


def test_all_rule_violations_are_reported_together():
    alert = full_alert(identifier="bad id", msg_type="Update")
    alert.info[0].onset = SENT + timedelta(days=2)
    messages = messages_of(to_xml(alert))
    assert len(messages) == 3


def test_not_well_formed_and_doctype_are_refused():
    assert messages_of(b"<alert>")[0].startswith("not well-formed XML")
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY x "boom">]>'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&x;</identifier>'
        b"</alert>"
    )
    assert messages_of(evil) == ["a DOCTYPE declaration is not allowed in a CAP document"]
    with pytest.raises(CapInvalid, match="DOCTYPE"):
        from_xml(evil)


def test_from_xml_refuses_other_root():
    with pytest.raises(CapInvalid, match="expected"):
        from_xml(b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.1"/>')


# ------------------------------------------------------------------ import of external CAP


def test_from_xml_reads_external_alert_with_defaults():
    xml = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>2.49.0.1.616.0.PL.260710120000.1</identifier>
  <sender>imgw@example.pl</sender>
  <sent>2026-07-10T12:00:00+00:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <category>Met</category>
    <event>Burze z gradem</event>
    <urgency>Future</urgency>
    <severity>Moderate</severity>
    <certainty>Likely</certainty>
    <area>
      <areaDesc>powiat krasnostawski, gmina Żółkiewka</areaDesc>
      <geocode><valueName>TERYT</valueName><value>0607</value></geocode>
      <altitude>0</altitude>
      <ceiling>3000.5</ceiling>
    </area>
  </info>
</alert>""".encode()
    validate(xml)
    alert = from_xml(xml)
    assert alert.identifier == "2.49.0.1.616.0.PL.260710120000.1"
    assert alert.sent == SENT
    info = alert.info[0]
    assert info.language == "en-US"  # the CAP default when <language> is absent
    assert (info.event, info.urgency, info.severity) == ("Burze z gradem", "Future", "Moderate")
    assert info.areas[0].area_desc == "powiat krasnostawski, gmina Żółkiewka"
    assert info.areas[0].geocodes == [("TERYT", "0607")]
    assert (info.areas[0].altitude, info.areas[0].ceiling) == (0.0, 3000.5)
    # and it serialises back to a valid document at the Warsaw offset
    again = to_xml(alert)
    validate(again)
    assert b"<sent>2026-07-10T14:00:00+02:00</sent>" in again
    assert b"<ceiling>3000.5</ceiling>" in again


def test_reference_sent_offset_other_than_warsaw_parses():
    alert = full_alert(
        msg_type="Cancel",
        references=[CapReference("a@x.pl", "ID-1", datetime(2026, 7, 10, 7, 0,
                                                          tzinfo=timezone(timedelta(hours=-5))))],
    )
    again = from_xml(to_xml(alert))
    assert again.references[0].sent == SENT


# ------------------------------------------------------------------ enumerations and labels


def _xsd_enumerations() -> dict[str, list[str]]:
    schema = etree.parse(str(cap.SCHEMA_PATH))
    xs = {"xs": "http://www.w3.org/2001/XMLSchema"}
    found = {}
    for simple in schema.findall("xs:simpleType", xs):
        values = [e.get("value") for e in simple.findall("xs:restriction/xs:enumeration", xs)]
        if values:
            found[simple.get("name")] = values
    return found


def test_values_match_the_schema_enumerations():
    enumerations = _xsd_enumerations()
    type_of = {
        "status": "StatusCode", "msgType": "MsgTypeCode", "scope": "ScopeCode",
        "category": "CategoryCode", "responseType": "ResponseTypeCode",
        "urgency": "UrgencyCode", "severity": "SeverityCode", "certainty": "CertaintyCode",
    }
    assert set(cap.VALUES) == set(type_of)
    for key, type_name in type_of.items():
        assert cap.VALUES[key] == enumerations[type_name], key
    assert cap.VALUES["severity"] == ["Extreme", "Severe", "Moderate", "Minor", "Unknown"]


def test_polish_labels_cover_every_value():
    for key in ("urgency", "severity", "certainty", "category", "responseType"):
        assert set(cap.POLISH_LABELS[key]) == set(cap.VALUES[key]), key
    assert cap.POLISH_LABELS["severity"] == {
        "Extreme": "ekstremalne", "Severe": "poważne", "Moderate": "umiarkowane",
        "Minor": "niewielkie", "Unknown": "nieznane",
    }


@pytest.mark.parametrize("severity", cap.VALUES["severity"])
def test_every_severity_value_is_accepted(severity):
    alert = full_alert()
    alert.info[0].severity = severity
    validate(to_xml(alert))

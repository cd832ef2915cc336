"""Atom feeds of alerts: building, the RELAX NG schema, the RFC 4287 rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from lxml import etree

from ratusz.notifications import atom
from ratusz.notifications.atom import AtomEntry, AtomFeed, AtomInvalid, tag_uri, to_xml, validate

NS = {"a": atom.NS}
BASE = "https://zolkiewka.ratusz.example.pl"
UPDATED = datetime(2026, 7, 10, 12, 0, tzinfo=UTC)


def entry(n: int, **overrides) -> AtomEntry:
    values = {
        "id": tag_uri("zolkiewka.ratusz.example.pl", date(2026, 7, 10), f"alert/{n}"),
        "title": f"Ostrzeżenie nr {n}: ulewy w gminie Żółkiewka",
        "updated": UPDATED + timedelta(minutes=n),
        "published": UPDATED,
        "summary": "Możliwe podtopienia ulic i piwnic.",
        "content_html": "<p>Zabezpiecz mienie &amp; śledź komunikaty.</p>",
        "link": f"{BASE}/powiadomienia/{n}",
        "cap_link": f"{BASE}/powiadomienia/{n}.cap",
        "categories": ["Met", "Severe"],
    }
    values.update(overrides)
    return AtomEntry(**values)


def feed(entries=(), **overrides) -> AtomFeed:
    values = {
        "id": f"{BASE}/powiadomienia/atom.xml",
        "title": "Ostrzeżenia — Gmina Żółkiewka",
        "updated": UPDATED,
        "link_self": f"{BASE}/powiadomienia/atom.xml",
        "link_alternate": f"{BASE}/powiadomienia/",
        "author_name": "Urząd Gminy Żółkiewka",
        "subtitle": "Komunikaty dla mieszkańców",
        "entries": list(entries),
    }
    values.update(overrides)
    return AtomFeed(**values)


def messages_of(xml: bytes) -> list[str]:
    with pytest.raises(AtomInvalid) as exc:
        validate(xml)
    return exc.value.messages


def test_empty_feed_is_valid():
    xml = to_xml(feed())
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    validate(xml)
    root = etree.fromstring(xml)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    assert root.findall("a:entry", NS) == []
    assert root.findtext("a:updated", namespaces=NS) == "2026-07-10T12:00:00Z"
    assert root.findtext("a:author/a:name", namespaces=NS) == "Urząd Gminy Żółkiewka"
    self_links = root.xpath("a:link[@rel='self']/@href", namespaces=NS)
    assert self_links == [f"{BASE}/powiadomienia/atom.xml"]


def test_feed_with_several_entries_is_valid_and_links_cap():
    xml = to_xml(feed([entry(1), entry(2), entry(3)]))
    validate(xml)
    root = etree.fromstring(xml)
    entries = root.findall("a:entry", NS)
    assert [e.findtext("a:id", namespaces=NS) for e in entries] == [
        "tag:zolkiewka.ratusz.example.pl,2026-07-10:alert/1",
        "tag:zolkiewka.ratusz.example.pl,2026-07-10:alert/2",
        "tag:zolkiewka.ratusz.example.pl,2026-07-10:alert/3",
    ]
    cap_links = entries[1].xpath(
        "a:link[@rel='alternate'][@type='application/cap+xml']/@href", namespaces=NS
    )
    assert cap_links == [f"{BASE}/powiadomienia/2.cap"]
    assert entries[1].findtext("a:updated", namespaces=NS) == "2026-07-10T12:02:00Z"
    assert [c.get("term") for c in entries[0].findall("a:category", NS)] == ["Met", "Severe"]
    content = entries[0].find("a:content", NS)
    assert content.get("type") == "html"
    assert content.text == "<p>Zabezpiecz mienie &amp; śledź komunikaty.</p>"


def test_https_entry_ids_are_valid():
    validate(to_xml(feed([entry(1, id=f"{BASE}/powiadomienia/1")])))


def test_dates_are_utc_with_z():
    warsaw_summer = timezone(timedelta(hours=2))
    value = datetime(2026, 7, 10, 14, 0, 30, 123456, tzinfo=warsaw_summer)
    assert atom.format_datetime(value) == "2026-07-10T12:00:30Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        atom.format_datetime(datetime(2026, 7, 10, 14, 0))


def test_lt_and_amp_in_titles_are_escaped():
    xml = to_xml(feed([entry(1, title="Awaria <ul. Polna> & ul. Leśna")],
                      title="Gmina A & B <test>"))
    assert b"<title type=\"text\">Awaria &lt;ul. Polna&gt; &amp; ul. Le\xc5\x9bna</title>" in xml
    assert b"Gmina A &amp; B &lt;test&gt;" in xml
    validate(xml)
    root = etree.fromstring(xml)
    assert root.findtext("a:entry/a:title", namespaces=NS) == "Awaria <ul. Polna> & ul. Leśna"


def test_relative_entry_id_is_refused():
    messages = messages_of(to_xml(feed([entry(1), entry(2, id="/powiadomienia/2")])))
    assert messages == ["entry 2 (/powiadomienia/2): atom:id '/powiadomienia/2' is not an "
                        "absolute IRI"]


def test_relative_feed_id_and_malformed_tag_are_refused():
    messages = messages_of(to_xml(feed([entry(1, id="tag:zolkiewka:alert/1")], id="atom.xml")))
    assert messages == [
        "feed: atom:id 'atom.xml' is not an absolute IRI",
        "entry 1 (tag:zolkiewka:alert/1): atom:id 'tag:zolkiewka:alert/1' is not an "
        "absolute IRI",
    ]


def test_no_author_anywhere_is_refused():
    messages = messages_of(to_xml(feed([entry(1), entry(2)], author_name="")))
    assert messages == [
        "entry 1 (tag:zolkiewka.ratusz.example.pl,2026-07-10:alert/1): has no atom:author "
        "and the feed has none either",
        "entry 2 (tag:zolkiewka.ratusz.example.pl,2026-07-10:alert/2): has no atom:author "
        "and the feed has none either",
    ]


def test_authors_on_every_entry_replace_the_feed_author():
    xml = to_xml(feed([entry(1, author_name="Wójt"), entry(2, author_name="GCZK")],
                      author_name=""))
    validate(xml)
    one_missing = to_xml(feed([entry(1, author_name="Wójt"), entry(2)], author_name=""))
    assert len(messages_of(one_missing)) == 1


def test_empty_feed_without_author_is_allowed_by_the_rfc():
    # RFC 4287 4.1.1: the author rule is about entries; a feed with none has nothing to inherit
    validate(to_xml(feed(author_name="")))


def test_self_link_must_be_exactly_one():
    xml = to_xml(feed())
    root = etree.fromstring(xml)
    self_link = root.find("a:link[@rel='self']", NS)
    root.remove(self_link)
    assert messages_of(etree.tostring(root)) == [
        'feed: needs exactly one link rel="self", has 0'
    ]
    root.append(self_link)
    root.append(etree.fromstring(f'<link xmlns="{atom.NS}" rel="self" href="{BASE}/x.xml"/>'))
    assert messages_of(etree.tostring(root)) == [
        'feed: needs exactly one link rel="self", has 2'
    ]


def test_duplicate_alternate_link_of_same_type_is_refused():
    # text/html + application/cap+xml alternates are distinct types: valid
    validate(to_xml(feed([entry(1)])))
    root = etree.fromstring(to_xml(feed([entry(1)])))
    e = root.find("a:entry", NS)
    e.append(etree.fromstring(
        f'<link xmlns="{atom.NS}" rel="alternate" type="text/html" href="{BASE}/inne"/>'
    ))
    messages = messages_of(etree.tostring(root))
    assert messages == [
        "entry 1 (tag:zolkiewka.ratusz.example.pl,2026-07-10:alert/1): more than one "
        "alternate link with type 'text/html' and hreflang ''"
    ]


def test_entry_without_content_needs_alternate_link():
    xml = to_xml(feed([entry(1, content_html="", link="", cap_link="")]))
    assert messages_of(xml) == [
        "entry 1 (tag:zolkiewka.ratusz.example.pl,2026-07-10:alert/1): an entry without "
        "atom:content needs an alternate link"
    ]
    validate(to_xml(feed([entry(1, content_html="", content_text="Tekst komunikatu.",
                                link="", cap_link="")])))


def test_schema_refuses_missing_id_and_date_without_offset():
    root = etree.fromstring(to_xml(feed([entry(1)])))
    e = root.find("a:entry", NS)
    e.remove(e.find("a:id", NS))
    messages = messages_of(etree.tostring(root))
    assert messages[0] == "entry 1: needs exactly one atom:id, has 0"
    assert "line 11: Element entry failed to validate content" in messages

    root = etree.fromstring(to_xml(feed()))
    root.find("a:updated", NS).text = "2026-07-10T12:00:00"
    messages = messages_of(etree.tostring(root))
    assert "line 5: Element updated failed to validate content" in messages


def test_schema_refuses_unknown_atom_element_but_allows_extensions():
    root = etree.fromstring(to_xml(feed([entry(1)])))
    e = root.find("a:entry", NS)
    e.append(etree.fromstring(
        '<cap:severity xmlns:cap="urn:oasis:names:tc:emergency:cap:1.2">Severe</cap:severity>'
    ))
    validate(etree.tostring(root))  # foreign-namespace extension element: fine
    e.append(etree.fromstring(f'<priority xmlns="{atom.NS}">1</priority>'))
    messages = messages_of(etree.tostring(root))
    assert any("priority" in m for m in messages)


def test_doctype_is_refused():
    evil = b'<!DOCTYPE feed [<!ENTITY x "y">]><feed xmlns="http://www.w3.org/2005/Atom"/>'
    assert messages_of(evil) == ["a DOCTYPE declaration is not allowed in an Atom feed"]


def test_tag_uri():
    assert tag_uri("ratusz.example.pl", date(2026, 5, 9), "alert/17") == (
        "tag:ratusz.example.pl,2026-05-09:alert/17"
    )
    with pytest.raises(ValueError):
        tag_uri("", date(2026, 5, 9), "alert/17")

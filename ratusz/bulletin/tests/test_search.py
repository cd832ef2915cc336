"""Polish full-text search of the BIP: the tokens (folded words and Stempel stems), the
query terms, the public search page finding inflected forms and words typed without
Polish letters, highlighting, ranking on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

from ratusz.bulletin import selectors, textsearch
from ratusz.bulletin.tests.conftest import publish

BIP = "/g/alfa/bip/"
BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}


def test_fold_removes_polish_letters_and_punctuation():
    assert textsearch.fold("Zażółć") == "zazolc"
    assert textsearch.fold("ŁÓDŹ") == "lodz"
    assert textsearch.fold("—") == ""


def test_tokens_hold_each_word_and_its_stem_once():
    tokens = textsearch.tokens("Uchwały rady: uchwały budżetowe")
    words = tokens.split()
    assert tokens.startswith(" ") and tokens.endswith(" ")
    assert words.count("uchwaly") == 1
    assert "uchwala" in words  # the stem of "uchwały", folded
    assert "rady" in words and "budzetowe" in words
    assert textsearch.tokens("") == ""


def test_query_terms_have_forms_and_a_prefix():
    (term,) = textsearch.terms(["Uchwałę"])
    assert term.exact[0] == "uchwale" and "uchwala" in term.exact
    assert term.prefix == "uchwa"
    assert [t.prefix for t in textsearch.terms(["XII/85/2026"])] == ["xii", "85", "2026"]
    assert textsearch.terms(["!!!"]) == []
    assert textsearch.tsquery(textsearch.terms(["dróg", "gmina"])) == (
        "(drog | droga | drog:*) & (gmina | gmin:*)")


@pytest.mark.django_db
@pytest.mark.parametrize("query", [
    "uchwałą budżetem",    # other cases of both words than in the title
    "uchwale budzetu",     # no Polish letters, other forms
    "BUDŻETU",             # upper case
    "budzet 2026",
])
def test_inflected_and_plain_letter_queries_find_the_resolution(client, bip_world, query):
    page = client.get(f"{BIP}szukaj/", {"q": query}, **BROWSER).content.decode()
    assert f"{BIP}wpis/{bip_world.resolution.pk}/" in page, query
    assert f"{BIP}wpis/{bip_world.announcement.pk}/" not in page


@pytest.mark.django_db
def test_every_word_must_match(client, bip_world):
    page = client.get(f"{BIP}szukaj/", {"q": "budżet Olszyny"}, **BROWSER).content.decode()
    assert f"{BIP}wpis/{bip_world.resolution.pk}/" not in page
    assert f"{BIP}wpis/{bip_world.announcement.pk}/" not in page


@pytest.mark.django_db
def test_the_snippet_marks_the_matched_forms(bip_world):
    text = bip_world.resolution.search_text
    piece = selectors.snippet(text, ["budżetu"])
    assert "<mark>budżet</mark>" in piece
    assert "<script>" not in selectors.snippet("<script>x</script> budżet", ["budżet"])


@pytest.mark.django_db
def test_edits_update_the_tokens(bip_world):
    from ratusz.bulletin import services
    from ratusz.bulletin.tests.conftest import entry_data

    entry = bip_world.announcement
    services.update_entry(entry, entry_data("Obwieszczenie o konsultacjach społecznych"),
                          acting_user=bip_world.editor, reason="Zmiana tytułu")
    entry.refresh_from_db()
    assert " konsultacjach " in entry.search_stems
    found = selectors.search(entry.municipality, ["konsultacje"])
    assert list(found) == [entry]


@pytest.mark.django_db
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_ranks_and_uses_the_gin_index(bip_world):
    strong = publish(bip_world.section("ogloszenia"), bip_world.editor,
                     "Budżet gminy: budżet obywatelski, budżet na drogi",
                     "<p>Budżet, budżetu, budżetem.</p>")
    found = list(selectors.search(strong.municipality, ["budżet"]))
    assert found[0] == strong and bip_world.resolution in found
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = "
                       "'bulletin_entry_search'")
        (definition,) = cursor.fetchone()
    assert "gin" in definition and "search_stems" in definition


@pytest.mark.django_db
def test_table_cells_and_paragraphs_stay_separate_words(bip_world):
    from ratusz.bulletin import services
    from ratusz.bulletin.tests.conftest import entry_data

    entry = bip_world.announcement
    body = ("<table><tr><th>Dział</th><th>Kwota</th></tr><tr><td>600</td><td>Transport</td>"
            "</tr></table><p>Pierwszy</p><p>drugi <strong>wyróż</strong>nik</p>")
    services.update_entry(entry, entry_data(entry.title, body), acting_user=bip_world.editor,
                          reason="Tabela")
    entry.refresh_from_db()
    assert "Dział Kwota 600 Transport Pierwszy drugi wyróżnik" in entry.search_text
    assert list(selectors.search(entry.municipality, ["kwota"])) == [entry]

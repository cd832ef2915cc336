"""What a new BIP starts with: its mandatory elements taken from the unit and the gmina,
the typical subject menu of a gmina office's BIP and of a unit's, and the instructions for
use. Plain data and functions of plain attributes (the migrations use them too)."""

from __future__ import annotations

from typing import NamedTuple


class MenuSection(NamedTuple):
    slug: str
    title: str
    is_register: bool


#: The subject menu of a gmina office's BIP (domain notes §3.3).
OFFICE_MENU = [MenuSection(*item) for item in (
    ("o-gminie", "Informacje o gminie", False),
    ("wladze", "Władze gminy", False),
    ("rada-gminy", "Rada Gminy", False),
    ("sesje-rady", "Sesje rady: nagrania i imienne wykazy głosowań", False),
    ("uchwaly", "Uchwały Rady Gminy", True),
    ("zarzadzenia", "Zarządzenia Wójta", True),
    ("prawo-miejscowe", "Prawo miejscowe", True),
    ("statut", "Statut gminy", False),
    ("budzet", "Budżet i finanse", False),
    ("oswiadczenia-majatkowe", "Oświadczenia majątkowe", False),
    ("zamowienia-publiczne", "Zamówienia publiczne i przetargi", True),
    ("nabor", "Nabór na wolne stanowiska", False),
    ("ogloszenia", "Ogłoszenia i obwieszczenia", False),
    ("petycje", "Petycje", True),
    ("raport-o-stanie-gminy", "Raport o stanie gminy", False),
    ("zalatwianie-spraw", "Załatwianie spraw (karty usług)", False),
    ("informacja-udostepniona", "Informacja publiczna udostępniona na wniosek", True),
    ("informacje-nieudostepnione", "Informacje nieudostępnione w BIP", False),
    ("deklaracja-dostepnosci", "Deklaracja dostępności", False),
    ("rodo", "Ochrona danych osobowych (RODO)", False),
)]
#: A unit's BIP: its own organisation, budget, orders, recruitment, procurement, RODO.
UNIT_MENU = [MenuSection(*item) for item in (
    ("o-jednostce", "Informacje o jednostce", False),
    ("statut", "Statut i regulamin organizacyjny", False),
    ("budzet", "Budżet i sprawozdania finansowe", False),
    ("zarzadzenia", "Zarządzenia dyrektora", True),
    ("zamowienia-publiczne", "Zamówienia publiczne", True),
    ("nabor", "Nabór na wolne stanowiska", False),
    ("ogloszenia", "Ogłoszenia", False),
    ("informacje-nieudostepnione", "Informacje nieudostępnione w BIP", False),
    ("deklaracja-dostepnosci", "Deklaracja dostępności", False),
    ("rodo", "Ochrona danych osobowych (RODO)", False),
)]

INSTRUCTIONS = (
    "Biuletyn Informacji Publicznej to urzędowy publikator informacji publicznej. "
    "Menu przedmiotowe po lewej stronie prowadzi do działów; wyszukiwarka przeszukuje "
    "wszystkie aktualne i archiwalne wpisy. Przy każdym wpisie jest metryczka (kto "
    "informację wytworzył, kto ją wprowadził, kiedy ją wytworzono i opublikowano) oraz "
    "rejestr zmian z każdą wcześniejszą wersją. Każdą stronę można wydrukować (wersja do "
    "druku) albo zapisać; rejestry (uchwały, zarządzenia, zamówienia) są dostępne także "
    "jako pliki CSV i JSON. Informację, której nie ma w BIP, udostępniamy na wniosek."
)


def typical_menu(is_office: bool) -> list[MenuSection]:
    return OFFICE_MENU if is_office else UNIT_MENU


def typical_section(slug: str, *, is_office: bool) -> MenuSection | None:
    """The section `slug` of the typical menu of such a BIP (else of the other kind's),
    or None."""
    return next((item for item in (*typical_menu(is_office), *typical_menu(not is_office))
                 if item.slug == slug), None)


#: Sections of the typical menus whose entries are documents though they are no register
#: (acts and reports published as such), and those whose entries are announcements.
DOCUMENT_SECTIONS = {"statut", "budzet", "oswiadczenia-majatkowe", "raport-o-stanie-gminy"}
ANNOUNCEMENT_SECTIONS = {"ogloszenia", "nabor"}


def section_entry_kind(slug: str, is_register: bool) -> str:
    """The kind of an entry of a section: a document in a register (resolutions, orders,
    tenders …) and in the sections of acts, an announcement in announcements and
    recruitment, an article elsewhere (the values of `models.EntryKind`)."""
    if is_register or slug in DOCUMENT_SECTIONS:
        return "document"
    if slug in ANNOUNCEMENT_SECTIONS:
        return "announcement"
    return "article"


def unit_address(unit) -> str:
    """The unit's (or the gmina's) own address on one line ("" when it has none)."""
    return ", ".join(part for part in (f"{unit.street} {unit.building}".strip(),
                                       f"{unit.postal_code} {unit.city}".strip()) if part)


def site_values(unit, municipality) -> dict:
    """The fields of a new BIP of the unit: its path (empty for the office's), title,
    editorial office, editor and instructions, from the unit and the gmina."""
    office = unit.kind == "office"
    address = unit_address(unit) or unit_address(municipality)
    return {"path": "" if office else unit.slug,
            "title": f"Biuletyn Informacji Publicznej – {unit.name}",
            "editorial_address": address or municipality.name,
            "editor_name": f"Redakcja BIP – {unit.short_name or unit.name}",
            "editor_phone": municipality.phone if office else "",
            "editor_email": unit.email or municipality.email or "bip@ratusz.localhost",
            "instructions": INSTRUCTIONS}

"""The platform-wide library of standard municipal services (ratusz/eservices/library/),
and what the catalogue knows about them beside their cards: which residents use most,
the life situations they belong to, which are for businesses, and the plain words people
search them by."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

LIBRARY_DIR = Path(__file__).resolve().parent / "library"


@cache
def library_services() -> tuple[dict, ...]:
    """Every library service definition, sorted by slug (read once per process)."""
    definitions = []
    for path in sorted(LIBRARY_DIR.glob("*.json")):
        with path.open(encoding="utf-8") as handle:
            definitions.append(json.load(handle))
    return tuple(definitions)


def library_service(slug: str) -> dict | None:
    return next((item for item in library_services() if item["slug"] == slug), None)


#: What residents come for most, in this order: the e-office opens with these until the
#: gmina's own submissions say what its residents use most.
POPULAR = (
    "deklaracja-odpady-komunalne",
    "informacja-podatek-od-nieruchomosci-in-1",
    "pismo-ogolne",
    "zgloszenie-pobytu-stalego-lub-czasowego",
    "wniosek-o-udostepnienie-informacji-publicznej",
    "zaswiadczenie-o-niezaleganiu-w-podatkach",
    "zgloszenie-zamiaru-usuniecia-drzewa",
    "wypis-i-wyrys-z-mpzp",
)

#: Life situations: what a person wants to get done, and the services it takes.
LIFE_SITUATIONS = (
    {"slug": "kupuje-lub-sprzedaje-nieruchomosc",
     "title": "Kupuję lub sprzedaję dom, mieszkanie albo działkę",
     "summary": "Podatek od nieruchomości, odpady, plan miejscowy, zaświadczenia.",
     "services": ("informacja-podatek-od-nieruchomosci-in-1", "deklaracja-odpady-komunalne",
                  "zaswiadczenie-o-przeznaczeniu-dzialki", "wypis-i-wyrys-z-mpzp",
                  "informacja-podatek-rolny-ir-1", "informacja-podatek-lesny-il-1",
                  "oplata-jednorazowa-za-przeksztalcenie-uzytkowania-wieczystego")},
    {"slug": "buduje-dom",
     "title": "Buduję dom",
     "summary": "Warunki zabudowy, zjazd z drogi, numer budynku, szambo, odpady, podatek.",
     "services": ("decyzja-o-warunkach-zabudowy", "wypis-i-wyrys-z-mpzp",
                  "lokalizacja-zjazdu-z-drogi-gminnej", "nadanie-numeru-porzadkowego",
                  "zgloszenie-zbiornika-bezodplywowego", "deklaracja-odpady-komunalne",
                  "informacja-podatek-od-nieruchomosci-in-1", "podzial-nieruchomosci")},
    {"slug": "przeprowadzam-sie",
     "title": "Przeprowadzam się",
     "summary": "Zameldowanie, wymeldowanie, odpady, podatek od nieruchomości, wybory.",
     "services": ("zgloszenie-pobytu-stalego-lub-czasowego", "zgloszenie-wymeldowania",
                  "deklaracja-odpady-komunalne", "informacja-podatek-od-nieruchomosci-in-1",
                  "wpis-do-rejestru-wyborcow", "zaswiadczenie-o-zameldowaniu")},
    {"slug": "urodzilo-sie-dziecko",
     "title": "Urodziło się dziecko",
     "summary": "Zgłoszenie urodzenia, zameldowanie, dowód osobisty, Karta Dużej Rodziny.",
     "services": ("zgloszenie-urodzenia-dziecka", "zgloszenie-pobytu-stalego-lub-czasowego",
                  "wniosek-o-wydanie-dowodu-osobistego", "karta-duzej-rodziny",
                  "odpis-aktu-stanu-cywilnego")},
    {"slug": "dowod-osobisty",
     "title": "Dowód osobisty: nowy, zgubiony, zniszczony",
     "summary": "Zgłoszenie utraty i wniosek o nowy dowód.",
     "services": ("zgloszenie-utraty-dowodu-osobistego", "wniosek-o-wydanie-dowodu-osobistego")},
    {"slug": "drzewa-i-srodowisko",
     "title": "Drzewa, azbest, szambo",
     "summary": "Wycinka drzew, usuwanie azbestu, zbiorniki bezodpływowe.",
     "services": ("zgloszenie-zamiaru-usuniecia-drzewa", "zezwolenie-na-usuniecie-drzew",
                  "wniosek-o-dofinansowanie-usuniecia-azbestu",
                  "informacja-o-wyrobach-zawierajacych-azbest",
                  "zgloszenie-zbiornika-bezodplywowego")},
    {"slug": "rodzina-i-szkola",
     "title": "Rodzina i szkoła",
     "summary": "Stypendia i zasiłki szkolne, dowóz dziecka, dodatki, Karta Dużej Rodziny.",
     "services": ("stypendium-szkolne", "zasilek-szkolny",
                  "zwrot-kosztow-dowozu-dziecka-niepelnosprawnego", "karta-duzej-rodziny",
                  "dodatek-mieszkaniowy", "dodatek-energetyczny")},
    {"slug": "sprawa-do-urzedu",
     "title": "Piszę do urzędu",
     "summary": "Pismo, skarga, wniosek, petycja, informacja publiczna.",
     "services": ("pismo-ogolne", "wniosek-o-udostepnienie-informacji-publicznej", "skarga",
                  "wniosek-kpa", "petycja", "wniosek-o-zapewnienie-dostepnosci")},
)

#: Services a business or an institution files, not a resident for themselves: for a
#: search that also finds the residents' service (DN-1 and IN-1), theirs comes first.
FOR_BUSINESSES = frozenset({
    "deklaracja-podatek-od-nieruchomosci-dn-1",
    "dofinansowanie-ksztalcenia-mlodocianych-pracownikow",
    "jednorazowe-zezwolenie-na-sprzedaz-alkoholu",
    "licencja-na-przewoz-osob-taksowka",
    "oswiadczenie-o-wartosci-sprzedazy-alkoholu",
    "wpis-do-rejestru-dzialalnosci-regulowanej-odbior-odpadow",
    "wpis-do-rejestru-zlobkow-i-klubow-dzieciecych",
    "zezwolenie-na-oproznianie-zbiornikow-bezodplywowych",
    "zezwolenie-na-sprzedaz-napojow-alkoholowych",
    "zezwolenie-na-impreze-masowa",
})

#: The words residents use for a service when they do not know its name (plain words and
#: synonyms); searched like the card's own words.
SEARCH_WORDS = {
    "informacja-podatek-od-nieruchomosci-in-1": (
        "podatek od domu", "podatek od mieszkania", "podatek od działki", "podatek od garażu",
        "dom", "mieszkanie", "działka", "garaż", "budynek gospodarczy", "kupno domu",
        "sprzedaż domu", "zakup mieszkania", "podatek od nieruchomości dla osób fizycznych"),
    "deklaracja-podatek-od-nieruchomosci-dn-1": (
        "podatek od nieruchomości firmy", "spółka", "osoba prawna", "firma"),
    "deklaracja-odpady-komunalne": (
        "śmieci", "opłata za śmieci", "wywóz śmieci", "odbiór odpadów", "kompostownik",
        "deklaracja śmieciowa"),
    "informacja-podatek-rolny-ir-1": ("podatek od pola", "grunty rolne", "gospodarstwo rolne",
                                      "ziemia rolna"),
    "informacja-podatek-lesny-il-1": ("podatek od lasu", "las"),
    "deklaracja-podatek-od-srodkow-transportowych-dt-1": (
        "podatek od ciężarówki", "ciągnik siodłowy", "autobus", "przyczepa"),
    "zgloszenie-zamiaru-usuniecia-drzewa": ("wycinka drzewa", "wyciąć drzewo",
                                            "ścięcie drzewa", "drzewo na działce"),
    "zezwolenie-na-usuniecie-drzew": ("wycinka drzew", "wyciąć drzewo", "krzewy"),
    "zgloszenie-pobytu-stalego-lub-czasowego": ("meldunek", "zameldować się", "przeprowadzka",
                                                "nowy adres"),
    "zgloszenie-wymeldowania": ("wymeldować się", "przeprowadzka"),
    "zaswiadczenie-o-zameldowaniu": ("meldunek", "potwierdzenie zameldowania"),
    "wniosek-o-wydanie-dowodu-osobistego": ("nowy dowód", "dowód dla dziecka",
                                            "wymiana dowodu"),
    "zgloszenie-utraty-dowodu-osobistego": ("zgubiony dowód", "skradziony dowód",
                                            "zniszczony dowód", "kradzież dowodu"),
    "zgloszenie-zbiornika-bezodplywowego": ("szambo", "oczyszczalnia przydomowa"),
    "zezwolenie-na-oproznianie-zbiornikow-bezodplywowych": ("wywóz szamba", "beczkowóz"),
    "nadanie-numeru-porzadkowego": ("numer domu", "numer budynku", "adres nowego domu"),
    "decyzja-o-warunkach-zabudowy": ("wuzetka", "WZ", "budowa domu", "pozwolenie na budowę"),
    "wypis-i-wyrys-z-mpzp": ("plan miejscowy", "MPZP", "przeznaczenie działki"),
    "zaswiadczenie-o-przeznaczeniu-dzialki": ("plan miejscowy", "przeznaczenie działki"),
    "lokalizacja-zjazdu-z-drogi-gminnej": ("wjazd na posesję", "zjazd", "brama"),
    "zajecie-pasa-drogowego": ("zajęcie drogi", "rusztowanie na chodniku", "roboty w drodze"),
    "pismo-ogolne": ("pismo", "list do urzędu", "sprawa do urzędu", "zapytanie",
                     "inna sprawa"),
    "skarga": ("reklamacja", "zażalenie na urzędnika"),
    "zgloszenie-urodzenia-dziecka": ("narodziny", "akt urodzenia", "noworodek"),
    "odpis-aktu-stanu-cywilnego": ("akt urodzenia", "akt małżeństwa", "akt zgonu",
                                   "odpis skrócony", "odpis zupełny"),
    "karta-duzej-rodziny": ("KDR", "rodzina wielodzietna", "troje dzieci"),
    "wniosek-o-zwrot-podatku-akcyzowego": ("zwrot akcyzy", "paliwo rolnicze", "olej napędowy"),
    "wniosek-o-ulge-w-splacie-zobowiazan-podatkowych": ("raty podatku", "umorzenie podatku",
                                                        "odroczenie podatku"),
    "wniosek-o-zwrot-nadplaty-podatku": ("nadpłata", "zwrot pieniędzy"),
    "zaswiadczenie-o-niezaleganiu-w-podatkach": ("zaświadczenie o niezaleganiu",
                                                 "brak zaległości"),
    "dodatek-mieszkaniowy": ("czynsz", "dopłata do czynszu"),
    "wniosek-o-dofinansowanie-usuniecia-azbestu": ("eternit", "azbest na dachu"),
    "informacja-o-wyrobach-zawierajacych-azbest": ("eternit",),
}


#: A form code as written on the card ("IN-1", "ZIN-3", "DT-1").
FORM_CODE = re.compile(r"\b([A-Z]{1,4})-(\d{1,2})\b")


def form_codes(*texts: str) -> set[str]:
    """The form codes in these texts as searched: letters and digits, lower case ("in1")."""
    return {f"{letters.lower()}{digits}" for text in texts
            for letters, digits in FORM_CODE.findall(text or "")}


def search_words(library_slug: str) -> tuple[str, ...]:
    return SEARCH_WORDS.get(library_slug or "", ())

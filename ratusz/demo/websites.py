"""Demo content of the units' websites: for each active unit two pages (O nas, Dokumenty),
three news items and three upcoming events. Idempotent: a unit with pages is left as is."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from ratusz.bulletin import services as website
from ratusz.bulletin.models import WebPage
from ratusz.bulletin.services import unit_address
from ratusz.core.models import Unit, UnitKind

NEWS = {
    UnitKind.SCHOOL: [
        ("Rekrutacja do klasy pierwszej na nowy rok szkolny",
         "Zapraszamy rodziców przyszłych pierwszoklasistów do składania wniosków.",
         "<p>Wnioski o przyjęcie do klasy pierwszej przyjmuje sekretariat szkoły od "
         "poniedziałku do piątku w godzinach 8:00–15:00. Do wniosku prosimy dołączyć "
         "oświadczenie o miejscu zamieszkania.</p>"),
        ("Sukces naszych uczniów w konkursie matematycznym",
         "Troje uczniów klasy siódmej zostało laureatami etapu powiatowego.",
         "<p>Gratulujemy uczniom i opiekunce, pani Ewie Zielińskiej. Laureaci wezmą udział "
         "w etapie wojewódzkim.</p>"),
        ("Zebrania z rodzicami",
         "Zapraszamy na zebrania z wychowawcami klas.",
         "<p>Zebrania odbędą się w salach lekcyjnych według harmonogramu wywieszonego przy "
         "wejściu do szkoły.</p>"),
    ],
}
DEFAULT_NEWS = [
    ("Nowe godziny otwarcia", "Od przyszłego miesiąca pracujemy dłużej we wtorki.",
     "<p>We wtorki zapraszamy do godziny 18:00. W pozostałe dni godziny otwarcia się nie "
     "zmieniają.</p>"),
    ("Podsumowanie roku", "Dziękujemy mieszkańcom za udział w naszych zajęciach.",
     "<p>W minionym roku odwiedziło nas ponad cztery tysiące osób, a w zajęciach wzięło "
     "udział ponad 600 uczestników.</p>"),
    ("Zapraszamy do współpracy",
     "Szukamy wolontariuszy do pomocy przy wydarzeniach.",
     "<p>Osoby chętne prosimy o kontakt telefoniczny lub mailowy.</p>"),
]
EVENTS = [
    ("Dzień otwarty", "<p>Zapraszamy wszystkich mieszkańców do zwiedzania naszej "
     "jednostki. Na miejscu poczęstunek i atrakcje dla dzieci.</p>", 7, 10, 3),
    ("Spotkanie autorskie", "<p>Spotkanie z autorką książek dla dzieci; po spotkaniu "
     "podpisywanie książek.</p>", 14, 17, 2),
    ("Piknik rodzinny", "<p>Gry, zabawy, konkursy z nagrodami i ognisko. Wstęp wolny.</p>",
     21, 15, 4),
]


def _unit_demo(unit: Unit, user) -> None:
    if WebPage.objects.filter(unit=unit).exists():
        return
    website.create_page(unit, website.PageData(
        title="O nas", slug="o-nas", position=0,
        body=f"<p>{unit.name} działa na rzecz mieszkańców gminy. Zapraszamy do "
             "odwiedzin i kontaktu.</p><h2>Dyrekcja</h2><p>Kierownikiem jednostki jest "
             "pani Magdalena Wójcik.</p>"), acting_user=user)
    website.create_page(unit, website.PageData(
        title="Dokumenty", slug="dokumenty", position=1,
        body="<p>Statut, regulaminy i sprawozdania są publikowane w Biuletynie Informacji "
             "Publicznej jednostki.</p><ul><li>Statut</li><li>Regulamin organizacyjny</li>"
             "<li>Deklaracja dostępności</li></ul>"), acting_user=user)
    now = timezone.now()
    for index, (title, lead, body) in enumerate(NEWS.get(unit.kind, DEFAULT_NEWS)):
        website.create_news(unit, website.NewsData(
            title=title, lead=lead, body=body,
            published_at=now - timedelta(days=3 * index + 1)), acting_user=user)
    today = timezone.localdate()
    for title, body, days, hour, hours in EVENTS:
        starts = timezone.make_aware(datetime.combine(today + timedelta(days=days),
                                                      time(hour)))
        website.create_event(unit, website.EventData(
            title=title, description=body, starts_at=starts,
            ends_at=starts + timedelta(hours=hours), place=unit_address(unit) or unit.name),
            acting_user=user)


def ensure_demo(municipality, acting_user=None) -> None:
    for unit in Unit.objects.for_municipality(municipality).filter(is_active=True):
        _unit_demo(unit, acting_user)

"""Demo content of the BIP: a site for the office and for every active unit, with
real-looking entries (resolutions with a PDF, orders, a tender, a recruitment, the
accessibility statement, RODO), one edited resolution (two versions in the change
register), one withdrawn announcement and a few views and downloads.

Idempotent: nothing is added once the office's BIP has entries.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ratusz.bulletin import services
from ratusz.bulletin.models import Entry, EntryKind, Section, Site
from ratusz.bulletin.services import EntryData
from ratusz.core.models import Unit, UnitKind
from ratusz.demo import websites as demo_website
from ratusz.testing.pdf import tiny_pdf


def _entry(site: Site, section_slug: str, user, *, title: str, body: str, kind=EntryKind.ARTICLE,
           number: str = "", act_date=None, produced_by: str, responsible: str, produced_on,
           expires_at=None, pdf: list[str] | None = None, pdf_name: str = "") -> Entry:
    section = Section.objects.get(site=site, slug=section_slug)
    entry = services.create_entry(section, EntryData(
        title=title, body=body, kind=kind, number=number, act_date=act_date,
        produced_by=produced_by, responsible=responsible, produced_on=produced_on,
        expires_at=expires_at), acting_user=user)
    if pdf:
        services.add_attachment(entry, name=pdf_name or "dokument.pdf", data=tiny_pdf(pdf),
                                acting_user=user)
    return services.submit_entry(entry, acting_user=user)


def _office_entries(municipality, site: Site, clerk) -> list[Entry]:
    today = timezone.localdate()
    year = today.year
    wojt = "Wójt" if municipality.kind == "rural" else "Burmistrz"
    council = f"Rady Gminy {municipality.name}"
    rada_biuro = "Biuro Rady Gminy"
    org = "Referat Organizacyjny"
    who = "Anna Kowalczyk, inspektor ds. kancelaryjnych"
    entries = []
    resolutions = [
        (f"XII/85/{year}", 40, "w sprawie uchwalenia budżetu gminy na rok " + str(year),
         "<p>Na podstawie art. 18 ust. 2 pkt 4 ustawy z dnia 8 marca 1990 r. o samorządzie "
         "gminnym Rada Gminy uchwala budżet gminy na rok " + str(year) + ".</p>"
         "<h2>§ 1</h2><p>Ustala się dochody budżetu w wysokości 48 215 300,00 zł.</p>"
         "<h2>§ 2</h2><p>Ustala się wydatki budżetu w wysokości 51 020 800,00 zł.</p>"
         f"<p>Uchwała wchodzi w życie z dniem 1 stycznia {year} r.</p>"),
        (f"XII/86/{year}", 40, "w sprawie przyjęcia Gminnego Programu Profilaktyki i "
         "Rozwiązywania Problemów Alkoholowych",
         "<p>Rada Gminy przyjmuje program stanowiący załącznik do uchwały.</p>"
         "<ul><li>profilaktyka w szkołach,</li><li>wsparcie świetlic środowiskowych,</li>"
         "<li>działalność gminnej komisji.</li></ul>"),
        (f"XIII/91/{year}", 12, "w sprawie zmiany uchwały budżetowej",
         "<p>W uchwale budżetowej wprowadza się zmiany określone w załącznikach nr 1 i 2."
         "</p><table><thead><tr><th scope=\"col\">Dział</th><th scope=\"col\">Kwota</th>"
         "</tr></thead><tbody><tr><td>600 Transport i łączność</td><td>+120 000,00 zł</td>"
         "</tr><tr><td>801 Oświata i wychowanie</td><td>+45 000,00 zł</td></tr></tbody>"
         "</table>"),
    ]
    for number, days_ago, subject, body in resolutions:
        act = today - timedelta(days=days_ago)
        title = f"Uchwała nr {number} {council} z dnia {act:%d.%m.%Y} r. {subject}"
        entries.append(_entry(
            site, "uchwaly", clerk, title=title, body=body, kind=EntryKind.DOCUMENT,
            number=number, act_date=act, produced_by=rada_biuro,
            responsible="Przewodniczący Rady Gminy", produced_on=act,
            pdf=[f"Uchwala nr {number}", f"Rada Gminy {municipality.name}",
                 f"z dnia {act:%d.%m.%Y} r.", subject],
            pdf_name=f"uchwala-{number.replace('/', '-')}.pdf"))
    for number, days_ago, subject in ((f"14/{year}", 30, "w sprawie powołania komisji "
                                       "przetargowej"),
                                      (f"15/{year}", 20, "w sprawie ustalenia planu "
                                       "finansowego na rok " + str(year))):
        act = today - timedelta(days=days_ago)
        entries.append(_entry(
            site, "zarzadzenia", clerk, kind=EntryKind.DOCUMENT, number=number, act_date=act,
            title=f"Zarządzenie nr {number} {wojt}a Gminy {municipality.name} {subject}",
            body=f"<p>Na podstawie art. 30 ust. 1 ustawy o samorządzie gminnym zarządza się, "
                 f"co następuje: {subject}.</p><p>Zarządzenie wchodzi w życie z dniem "
                 "podpisania.</p>",
            produced_by=f"{wojt} Gminy", responsible="Tomasz Lewandowski, sekretarz gminy",
            produced_on=act))
    entries.append(_entry(
        site, "zamowienia-publiczne", clerk, kind=EntryKind.ANNOUNCEMENT,
        number=f"ZP.271.4.{year}",
        title="Ogłoszenie o zamówieniu: przebudowa drogi gminnej w miejscowości "
              f"{municipality.city or municipality.name}",
        body="<p>Gmina ogłasza postępowanie w trybie podstawowym na przebudowę drogi gminnej "
             "o długości 1,2 km.</p><h2>Termin składania ofert</h2><p>Oferty należy "
             "składać za pośrednictwem Platformy e-Zamówienia w terminie 14 dni od dnia "
             "publikacji.</p>",
        produced_by="Referat Gospodarki Komunalnej",
        responsible="Marta Zielińska, kierownik referatu", produced_on=today - timedelta(days=5),
        expires_at=timezone.now() + timedelta(days=14)))
    entries.append(_entry(
        site, "nabor", clerk, kind=EntryKind.ANNOUNCEMENT,
        title="Nabór na wolne stanowisko urzędnicze: inspektor ds. zamówień publicznych",
        body="<p>Wójt ogłasza nabór na wolne stanowisko urzędnicze.</p><h2>Wymagania "
             "niezbędne</h2><ul><li>obywatelstwo polskie,</li><li>wykształcenie wyższe,"
             "</li><li>pełna zdolność do czynności prawnych.</li></ul><h2>Termin</h2>"
             "<p>Dokumenty należy złożyć w sekretariacie urzędu w terminie 10 dni.</p>",
        produced_by=org, responsible="Tomasz Lewandowski, sekretarz gminy",
        produced_on=today - timedelta(days=3), expires_at=timezone.now() + timedelta(days=10)))
    entries.append(_entry(
        site, "deklaracja-dostepnosci", clerk, title="Deklaracja dostępności",
        body=f"<p>{municipality.official_name} zobowiązuje się zapewnić dostępność swojego "
             "Biuletynu Informacji Publicznej zgodnie z ustawą z dnia 4 kwietnia 2019 r. o "
             "dostępności cyfrowej stron internetowych i aplikacji mobilnych podmiotów "
             "publicznych.</p><h2>Stan dostępności cyfrowej</h2><p>Strona internetowa jest "
             "zgodna z ustawą.</p><h2>Informacje zwrotne i dane kontaktowe</h2><p>Zgłoszenia "
             f"prosimy kierować na adres {site.editor_email}.</p>",
        produced_by=org, responsible=who, produced_on=today - timedelta(days=60)))
    entries.append(_entry(
        site, "rodo", clerk, title="Klauzula informacyjna o przetwarzaniu danych osobowych",
        body=f"<p>Administratorem Pani/Pana danych osobowych jest {wojt} Gminy "
             f"{municipality.name}.</p><p>Dane przetwarzane są w celu realizacji zadań "
             "publicznych (art. 6 ust. 1 lit. c i e RODO).</p><p>Przysługuje Pani/Panu prawo "
             "dostępu do danych, ich sprostowania oraz wniesienia skargi do Prezesa Urzędu "
             "Ochrony Danych Osobowych.</p>",
        produced_by=org, responsible="Inspektor Ochrony Danych",
        produced_on=today - timedelta(days=90)))
    entries.append(_entry(
        site, "o-gminie", clerk, title="Instrukcja korzystania z Biuletynu Informacji "
        "Publicznej", body="<p>" + services.INSTRUCTIONS + "</p>",
        produced_by=org, responsible=who, produced_on=today - timedelta(days=90)))
    entries.append(_entry(
        site, "ogloszenia", clerk, kind=EntryKind.ANNOUNCEMENT,
        title="Ogłoszenie o konsultacjach społecznych projektu programu współpracy z "
              "organizacjami pozarządowymi",
        body="<p>Zapraszamy organizacje pozarządowe do zgłaszania uwag do projektu programu "
             "współpracy w terminie do 15 dnia od ogłoszenia.</p>",
        produced_by=org, responsible=who, produced_on=today - timedelta(days=2)))
    return entries


UNIT_ENTRIES = {
    UnitKind.SCHOOL: ("nabor", "Ogłoszenie o naborze na stanowisko nauczyciela matematyki",
                      "<p>Dyrektor szkoły ogłasza nabór na stanowisko nauczyciela matematyki "
                      "(pełny etat, od 1 września).</p><p>Dokumenty prosimy składać w "
                      "sekretariacie szkoły.</p>"),
    UnitKind.LIBRARY: ("ogloszenia", "Zmiana godzin otwarcia biblioteki w okresie wakacji",
                       "<p>W lipcu i sierpniu biblioteka jest czynna od poniedziałku do "
                       "piątku w godzinach 8:00–15:00.</p>"),
}


def _unit_entries(site: Site, unit: Unit, clerk) -> None:
    today = timezone.localdate()
    producer = unit.short_name or unit.name
    section, title, body = UNIT_ENTRIES.get(unit.kind, (
        "ogloszenia", f"Ogłoszenie: dni otwarte – {unit.name}",
        f"<p>{unit.name} zaprasza mieszkańców na dni otwarte.</p>"))
    _entry(site, section, clerk, kind=EntryKind.ANNOUNCEMENT, title=title, body=body,
           produced_by=producer, responsible=f"Dyrektor – {producer}",
           produced_on=today - timedelta(days=7))
    year = today.year - 1
    _entry(site, "budzet", clerk, kind=EntryKind.DOCUMENT,
           title=f"Sprawozdanie finansowe za rok {year}",
           body=f"<p>Sprawozdanie finansowe jednostki {unit.name} za rok {year}: bilans, "
                "rachunek zysków i strat, zestawienie zmian w funduszu jednostki oraz "
                "informacja dodatkowa.</p>",
           act_date=today - timedelta(days=45), produced_by=producer,
           responsible=f"Główna księgowa – {producer}", produced_on=today - timedelta(days=45),
           pdf=[f"Sprawozdanie finansowe za rok {year}", unit.name],
           pdf_name=f"sprawozdanie-finansowe-{year}.pdf")


def ensure_demo(municipality, staff: dict) -> None:
    office_unit = Unit.objects.for_municipality(municipality).filter(
        kind=UnitKind.OFFICE).first()
    if office_unit is None:
        return
    clerk = staff["registry_clerk"]
    editor = staff.get("secretary", clerk)
    office = services.ensure_site(office_unit, acting_user=clerk)
    demo_website.ensure_demo(municipality, acting_user=editor)  # the units' websites
    if Entry.objects.filter(site=office).exists():
        return
    units = list(Unit.objects.for_municipality(municipality).filter(is_active=True).exclude(
        pk=office_unit.pk))
    unit_sites = [(unit, services.ensure_site(unit, acting_user=clerk)) for unit in units]
    entries = _office_entries(municipality, office, clerk)
    for unit, site in unit_sites:
        _unit_entries(site, unit, clerk)

    # One resolution corrected (the change register shows 2 versions and a diff) …
    resolution = entries[2]
    services.update_entry(resolution, EntryData(
        title=resolution.title,
        body=resolution.body.replace("+45 000,00 zł", "+54 000,00 zł"),
        kind=resolution.kind, number=resolution.number, act_date=resolution.act_date,
        produced_by=resolution.produced_by, responsible=resolution.responsible,
        produced_on=resolution.produced_on), acting_user=editor,
        reason="Sprostowanie oczywistej omyłki pisarskiej w kwocie dla działu 801.")
    # … and one announcement withdrawn with its reason.
    services.withdraw_entry(entries[-1], acting_user=editor,
                            reason="Ogłoszenie opublikowane omyłkowo; zastąpi je ogłoszenie "
                                   "z poprawnym terminem konsultacji.")
    # Some views and downloads, counted as the public pages count them.
    services.write_views(municipality.pk, [(entry.pk, (len(entries) - index) % 5 + 1)
                                           for index, entry in enumerate(entries[:-1])])
    for index, entry in enumerate(entries[:-1]):
        for attachment in entry.attachments.all()[:1]:
            for _ in range(index % 3 + 1):
                services.record_download(attachment)

"""Fixtures of the BIP tests: gmina Alfa with the office's BIP and a school's BIP (both
with the typical subject menu), BIP editors, and a few published entries made through
the services (as an editor would)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from ratusz.accounts.models import RoleAssignment
from ratusz.accounts.permissions import Role
from ratusz.bulletin import services
from ratusz.bulletin.models import Section
from ratusz.core.models import Unit, UnitKind

PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n"
       b"%%EOF\n")


@pytest.fixture(autouse=True)
def _fresh_page_cache():
    """Every test starts with an empty page cache (the BIP caches anonymous pages)."""
    from django.core.cache import cache

    from ratusz.core import pagecache

    cache.clear()
    pagecache.forget_process_state()
    yield
    cache.clear()
    pagecache.forget_process_state()
    services.discard_pending_views()


@pytest.fixture
def bip_office_a(department_a) -> Unit:
    unit = department_a.unit
    unit.name, unit.short_name, unit.slug = "Urząd Gminy Alfa", "UG", "urzad-gminy"
    unit.street, unit.building, unit.postal_code, unit.city = "Główna", "1", "24-220", "Alfa"
    unit.email = "sekretariat@alfa.example.pl"
    unit.save()
    return unit


@pytest.fixture
def bip_school_a(municipality_a) -> Unit:
    return Unit.objects.create(
        municipality=municipality_a, name="Szkoła Podstawowa im. Marii Konopnickiej w Dąbrowie",
        short_name="SP Dąbrowa", slug="sp-dabrowa", kind=UnitKind.SCHOOL, street="Szkolna",
        building="5", postal_code="24-221", city="Dąbrowa", email="sp@dabrowa.example.pl")


@pytest.fixture
def bip_site_a(bip_office_a):
    return services.ensure_site(bip_office_a)


@pytest.fixture
def bip_school_site_a(bip_school_a):
    return services.ensure_site(bip_school_a)


@pytest.fixture
def bip_editor_a(make_staff, municipality_a):
    """Edits the office's BIP (the secretary of the gmina)."""
    return make_staff(municipality_a, Role.SECRETARY, username="alfa.bip",
                      first_name="Anna", last_name="Kowalska", position="Redaktor BIP")


@pytest.fixture
def bip_school_editor_a(make_staff, municipality_a, bip_school_a):
    """Edits the school's BIP: a staff member whose role is limited to the school."""
    user = make_staff(municipality_a, username="alfa.sp.bip", first_name="Piotr",
                      last_name="Nowak", position="Sekretarz szkoły")
    RoleAssignment.objects.create(municipality=municipality_a, user=user,
                                  role=Role.CASE_OFFICER, unit=bip_school_a)
    return user


def entry_data(title: str, body: str = "<p>Treść.</p>", **fields) -> services.EntryData:
    values = {"produced_by": "Jan Wiśniewski, Referat Organizacyjny",
              "responsible": "Jan Wiśniewski, Sekretarz Gminy",
              "produced_on": date.today() - timedelta(days=1)}
    values.update(fields)
    return services.EntryData(title=title, body=body, **values)


def publish(section: Section, editor, title: str, body: str = "<p>Treść.</p>", **fields):
    """A published entry of the section (create + submit, as the editor does)."""
    entry = services.create_entry(section, entry_data(title, body, **fields),
                                  acting_user=editor)
    return services.submit_entry(entry, acting_user=editor)


@dataclass
class BipWorld:
    site: object
    school_site: object
    editor: object
    school_editor: object
    announcement: object
    resolution: object
    school_news: object

    def section(self, slug: str, site=None) -> Section:
        return Section.objects.get(site=site or self.site, slug=slug)


@pytest.fixture
def bip_world(bip_site_a, bip_school_site_a, bip_editor_a, bip_school_editor_a) -> BipWorld:
    """Gmina Alfa: the office's BIP and the school's, with three published entries."""
    def section(site, slug):
        return Section.objects.get(site=site, slug=slug)

    announcement = publish(
        section(bip_site_a, "ogloszenia"), bip_editor_a,
        "Obwieszczenie o wyłożeniu projektu planu miejscowego",
        "<p>Wójt Gminy Alfa zawiadamia o wyłożeniu do publicznego wglądu projektu "
        "miejscowego planu zagospodarowania przestrzennego wsi Olszyny.</p>"
        "<p>Uwagi można składać do 30 czerwca.</p>")
    resolution = publish(
        section(bip_site_a, "uchwaly"), bip_editor_a,
        "Uchwała w sprawie uchwalenia budżetu gminy na rok 2026",
        "<p>Rada Gminy Alfa uchwala budżet gminy. Dochody wynoszą 42 mln zł.</p>",
        kind="document", number="XII/85/2026", act_date=date.today() - timedelta(days=2))
    school_news = publish(
        section(bip_school_site_a, "ogloszenia"), bip_school_editor_a,
        "Rekrutacja do klasy pierwszej",
        "<p>Zapisy do klasy pierwszej trwają do końca marca.</p>",
        responsible="Dyrektor szkoły")
    return BipWorld(site=bip_site_a, school_site=bip_school_site_a, editor=bip_editor_a,
                    school_editor=bip_school_editor_a, announcement=announcement,
                    resolution=resolution, school_news=school_news)

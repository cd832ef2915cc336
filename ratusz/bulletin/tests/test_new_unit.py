"""A unit added to a gmina gets its BIP (core's `unit_created`, sent after the unit's commit
by `core.services.create_unit` and `create_municipality`): made in its own transaction
from the unit as it is then, once; a unit made any other way (a factory) gets none."""

from __future__ import annotations

import pytest

from ratusz.bulletin.models import Section, Site
from ratusz.core import events
from ratusz.core import services as core_services
from ratusz.core.models import AuditAction, AuditLog, Unit
from ratusz.core.tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


def add_school(municipality, user, django_capture_on_commit_callbacks) -> Unit:
    with django_capture_on_commit_callbacks(execute=True):
        return core_services.create_unit(
            municipality, acting_user=user, name="Szkoła Podstawowa w Olszynach",
            short_name="SP Olszyny", kind="school", street="Szkolna", building="3",
            postal_code="24-222", city="Olszyny", email="sp@olszyny.example.pl")


def test_a_unit_added_through_the_service_gets_its_bip(municipality_a, admin_a,
                                                       django_capture_on_commit_callbacks):
    school = add_school(municipality_a, admin_a, django_capture_on_commit_callbacks)
    site = Site.objects.get(unit=school)
    assert site.municipality == municipality_a and site.path == school.slug
    assert site.title == "Biuletyn Informacji Publicznej – Szkoła Podstawowa w Olszynach"
    assert site.editor_email == "sp@olszyny.example.pl"
    assert "Szkolna 3, 24-222 Olszyny" in site.editorial_address
    assert Section.objects.filter(site=site, slug="zarzadzenia").exists()
    audit = AuditLog.objects.get(object_type="bulletin.site", object_id=str(site.pk))
    assert audit.action == AuditAction.CREATED and audit.actor == admin_a


def test_a_second_event_changes_nothing(municipality_a, admin_a,
                                        django_capture_on_commit_callbacks):
    school = add_school(municipality_a, admin_a, django_capture_on_commit_callbacks)
    site = Site.objects.get(unit=school)
    sections = Section.objects.filter(site=site).count()
    audits = AuditLog.objects.count()
    Unit.objects.filter(pk=school.pk).update(name="Zmieniona nazwa")
    events.unit_created.send(sender=Unit, unit_id=school.pk,
                             municipality_id=municipality_a.pk, acting_user_id=admin_a.pk)
    assert Site.objects.filter(unit=school).count() == 1
    site.refresh_from_db()
    assert "Szkoła Podstawowa w Olszynach" in site.title
    assert Section.objects.filter(site=site).count() == sections
    assert AuditLog.objects.count() == audits


def test_the_bip_takes_the_units_name_of_when_the_event_is_heard(
        municipality_a, admin_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        school = core_services.create_unit(municipality_a, acting_user=admin_a,
                                           name="Szkoła robocza", kind="school")
    Unit.objects.filter(pk=school.pk).update(name="Szkoła Podstawowa w Borku")
    for callback in callbacks:
        callback()
    assert Site.objects.get(unit=school).title.endswith("Szkoła Podstawowa w Borku")


def test_a_new_gminas_office_gets_the_gminas_bip(admin_a,
                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        municipality = core_services.create_municipality(
            acting_user=admin_a, name="Gamma", official_name="Gmina Gamma", slug="gamma",
            teryt="0609993", kind="urban_rural", voivodeship="lubelskie", county="bialski",
            city="Gamma", email="ug@gamma.example.pl")
    site = Site.objects.get(municipality=municipality)
    assert site.path == "" and site.unit.kind == "office"
    assert Section.objects.filter(site=site, slug="uchwaly").exists()


def test_a_unit_made_by_a_factory_gets_no_bip(municipality_a,
                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        unit = UnitFactory(municipality=municipality_a, name="Jednostka testowa")
    assert not Site.objects.filter(unit=unit).exists()


def test_an_event_for_a_unit_that_is_gone_makes_nothing(municipality_a):
    events.unit_created.send(sender=Unit, unit_id=987654, municipality_id=municipality_a.pk,
                             acting_user_id=None)
    assert not Site.objects.exists()

"""A unit added to a gmina gets its ADE and e-Doręczenia mailbox when the exchange hears
core's `unit_created` (after the unit's commit): the first free address of the platform's
scheme, once; an ADE it already has is kept."""

from __future__ import annotations

import pytest

from ratusz.core import events
from ratusz.core import services as core_services
from ratusz.core.models import AuditLog, Unit
from ratusz.exchange import services
from ratusz.exchange.ade import is_valid_ade, platform_ade
from ratusz.exchange.models import Channel, Mailbox

pytestmark = pytest.mark.django_db


def add_preschool(municipality, user, capture, name="Przedszkole Samorządowe nr 2"):
    with capture(execute=True):
        return core_services.create_unit(municipality, acting_user=user, name=name,
                                         kind="preschool", city="Alfa")


def test_a_unit_added_through_the_service_gets_its_ade_and_mailbox(
        municipality_a, admin_a, office_a, django_capture_on_commit_callbacks):
    services.assign_ade(office_a, acting_user=None,
                        ade=platform_ade(municipality_a.teryt, 0, municipality_a.slug))
    school = add_preschool(municipality_a, admin_a, django_capture_on_commit_callbacks)
    school.refresh_from_db()
    assert is_valid_ade(school.ade)
    assert school.ade == platform_ade(municipality_a.teryt, 1, municipality_a.slug)
    mailbox = Mailbox.objects.get(unit=school, channel=Channel.E_DELIVERY)
    assert mailbox.address == school.ade and mailbox.is_active
    assert AuditLog.objects.filter(object_id=str(school.pk), actor=admin_a,
                                   after__ade=school.ade).exists()
    second = add_preschool(municipality_a, admin_a, django_capture_on_commit_callbacks,
                           name="Przedszkole Samorządowe nr 3")
    second.refresh_from_db()
    assert second.ade == platform_ade(municipality_a.teryt, 2, municipality_a.slug)


def test_a_second_event_keeps_the_address(municipality_a, admin_a, office_a,
                                          django_capture_on_commit_callbacks):
    school = add_preschool(municipality_a, admin_a, django_capture_on_commit_callbacks)
    school.refresh_from_db()
    ade = school.ade
    events.unit_created.send(sender=Unit, unit_id=school.pk,
                             municipality_id=municipality_a.pk, acting_user_id=admin_a.pk)
    school.refresh_from_db()
    assert school.ade == ade
    assert Mailbox.objects.filter(unit=school).count() == 1
    events.unit_created.send(sender=Unit, unit_id=987654, municipality_id=municipality_a.pk)

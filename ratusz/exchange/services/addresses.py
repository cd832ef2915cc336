"""Addresses: each gmina and unit's ADE (kept on `core.Unit.ade`, the gmina's on
`core.Municipality.ade` from its office) with its e-Doręczenia mailbox, the ePUAP inbox
where a unit keeps one, and the address base look-up that fills a letter's addressee."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from ratusz.core.models import AuditAction, Municipality, Unit, UnitKind
from ratusz.core.services import record_audit
from ratusz.core.tenancy import tenant_context
from ratusz.exchange import selectors
from ratusz.exchange.ade import is_valid_ade, normalise_ade, platform_ade
from ratusz.exchange.edelivery import ProviderRefused, ProviderUnavailable
from ratusz.exchange.errors import ExchangeError
from ratusz.exchange.models import Channel, Mailbox
from ratusz.exchange.services import config

ESP_ADDRESS = re.compile(r"^/[A-Za-z0-9_.-]{1,60}/[A-Za-z0-9_.-]{1,40}$")
ADE_INVALID = _("An address for e-Doręczenia looks like AE:PL-12345-67890-ABCDE-12.")


def check_ade(value: str) -> str:
    """The ADE in its written form, or ExchangeError("ade_invalid")."""
    ade = normalise_ade(value)
    if not is_valid_ade(ade):
        raise ExchangeError("ade_invalid", ADE_INVALID)
    return ade


@transaction.atomic(durable=True)
def assign_ade(unit: Unit, *, acting_user, ade: str) -> Mailbox:
    """Give a unit its ADE and its e-Doręczenia mailbox; the office's ADE is the gmina's.
    An address held by another unit or gmina is refused."""
    ade = check_ade(ade)
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    taken = (Unit.objects.filter(ade=ade).exclude(pk=unit.pk).exists()
             or Municipality.objects.filter(ade=ade).exclude(pk=unit.municipality_id).exists()
             or Mailbox.objects.filter(channel=Channel.E_DELIVERY, address=ade)
             .exclude(unit=unit).exists())
    if taken:
        raise ExchangeError("ade_taken", _("This address for e-Doręczenia belongs to another "
                                           "unit."))
    before = unit.ade
    Unit.objects.filter(pk=unit.pk).update(ade=ade)
    if unit.kind == UnitKind.OFFICE:
        Municipality.objects.filter(pk=unit.municipality_id).update(ade=ade)
    mailbox, _created = Mailbox.objects.update_or_create(
        municipality_id=unit.municipality_id, unit=unit, channel=Channel.E_DELIVERY,
        defaults={"address": ade, "is_active": True})
    record_audit(municipality=unit.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=unit, before={"ade": before},
                 after={"ade": ade})
    return mailbox


def give_new_unit_its_ade(*, unit_id: int, municipality_id: int,
                          acting_user_id: int | None = None) -> Mailbox | None:
    """A unit just added to a gmina (core's `unit_created`) gets its ADE and e-Doręczenia
    mailbox, as the office registers every new unit's address: the first free address of
    the platform's scheme (`ade.platform_ade`, numbered by the unit's place in the gmina).
    A unit that already has one keeps it; None when the unit is gone."""
    with tenant_context(None, all_municipalities=True):
        unit = (Unit.objects.filter(pk=unit_id, municipality_id=municipality_id)
                .select_related("municipality").first())
        if unit is None:
            return None
        if unit.ade:
            return selectors.mailbox_of_unit(unit.municipality, unit, Channel.E_DELIVERY)
        municipality = unit.municipality
        acting_user = (get_user_model().objects.filter(pk=acting_user_id).first()
                       if acting_user_id is not None else None)
        for index in range(100):
            ade = platform_ade(municipality.teryt, index, municipality.slug)
            if selectors.ade_is_taken(ade):
                continue
            try:
                return assign_ade(unit, acting_user=acting_user, ade=ade)
            except ExchangeError as refusal:
                if refusal.code != "ade_taken":  # taken meanwhile: the next one
                    raise
    raise ExchangeError("ade_exhausted", _("No free address for e-Doręczenia is left in "
                                           "this gmina's scheme; enter the unit's address."))


@transaction.atomic(durable=True)
def set_epuap_inbox(unit: Unit, *, acting_user, address: str) -> Mailbox:
    """The unit's ePUAP inbox (ESP), fetched through the pull service."""
    address = (address or "").strip()
    if not ESP_ADDRESS.fullmatch(address):
        raise ExchangeError("esp_invalid", _("An ePUAP inbox address looks like "
                                             "/identifier/SkrytkaESP."))
    try:
        with transaction.atomic():  # a savepoint: the unique address may be taken
            mailbox, _created = Mailbox.objects.update_or_create(
                municipality_id=unit.municipality_id, unit=unit, channel=Channel.EPUAP,
                defaults={"address": address, "is_active": True})
    except IntegrityError:
        raise ExchangeError("esp_taken", _("This ePUAP inbox belongs to another unit.")
                            ) from None
    record_audit(municipality=unit.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=unit, after={"epuap_inbox": address})
    return mailbox


def look_up_addresses(query: str) -> list[dict]:
    """Public bodies matching a name or an ADE: the platform's own gminy and units first,
    then the national address base (BAE) through the adapter. Each: ade, name,
    is_public_body, is_platform."""
    query = (query or "").strip()
    if len(query) < 3:
        return []
    found = {row["ade"]: {**row, "is_platform": True}
             for row in selectors.platform_addresses(query)}
    client = config.edelivery()
    if client is not None:
        try:
            for row in client.search_addresses(query):
                found.setdefault(row["eDeliveryAddress"], {
                    "ade": row["eDeliveryAddress"], "name": row.get("name", ""),
                    "is_public_body": bool(row.get("publicBody")), "is_platform": False})
        except (ProviderUnavailable, ProviderRefused):
            pass  # the platform's own addresses still answer
    return list(found.values())[:20]

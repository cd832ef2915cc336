"""Demo data of the exchange app: every unit of every demo gmina has its ADE and its
e-Doręczenia mailbox (the office's is the gmina's; a unit added later, as the education
demo's preschools, gets its own on core's `unit_created`), the office an ePUAP inbox, the
resident an ADE of a person; the simulator started by rundemo holds them all
(var/exchange/demo-mailboxes.json, written after every gmina)."""

from __future__ import annotations

import json

from django.conf import settings

from ratusz.accounts.permissions import ROLE_PERMISSIONS, Role
from ratusz.core.models import Unit
from ratusz.core.tenancy import tenant_context
from ratusz.exchange import selectors, services
from ratusz.exchange.ade import platform_ade

MAILBOXES_FILE = "demo-mailboxes.json"
_mailboxes: dict[str, dict] = {}


def ensure_demo(municipality, staff: dict, resident, *, issue_token) -> dict:
    """Create what is missing of the exchange demo for this gmina (idempotent); returns what
    the gmina's entry of var/demo.json gains: its `ade`, the ePUAP inbox, the resident's
    ADE, and the tokens to draft, approve, seal and send a letter through the API."""
    units = list(Unit.objects.for_municipality(municipality).order_by("pk"))
    for unit in units:
        if not unit.ade:  # made before the exchange listened (or by a factory)
            services.give_new_unit_its_ade(unit_id=unit.pk, municipality_id=municipality.pk)
    office = next(unit for unit in units if unit.is_office)
    inbox = f"/UG{municipality.slug.replace('-', '')}/SkrytkaESP"
    if selectors.mailbox_of_unit(municipality, office, "epuap") is None:
        services.set_epuap_inbox(office, acting_user=None, address=inbox)
    resident_ade = platform_ade(municipality.teryt, 99, resident.last_name)
    _mailboxes[resident_ade] = {"ade": resident_ade, "name": resident.get_full_name(),
                                "public_body": False}
    municipality.refresh_from_db()
    return {
        "ade": municipality.ade,
        "epuap_inbox": inbox,
        "resident_ade": resident_ade,
        "officer_token": issue_token(staff["case_officer"],
                                     ROLE_PERMISSIONS[Role.CASE_OFFICER]),
        "head_token": issue_token(staff["head"], ROLE_PERMISSIONS[Role.HEAD]),
    }


def ensure_platform_demo(municipalities: list) -> dict:
    """After every gmina: the mailboxes the simulator is to hold (every unit's ADE, the
    residents'), in a file rundemo gives it. Returns no top-level key (rundemo adds the
    simulator's address)."""
    with tenant_context(None, all_municipalities=True):
        for unit in Unit.objects.filter(municipality__in=municipalities, ade__isnull=False
                                       ).exclude(ade=""):
            _mailboxes[unit.ade] = {"ade": unit.ade, "name": unit.name, "public_body": True}
    folder = settings.VAR_DIR / "exchange"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MAILBOXES_FILE).write_text(
        json.dumps(sorted(_mailboxes.values(), key=lambda b: b["ade"]), ensure_ascii=False,
                   indent=1), encoding="utf-8")
    return {}

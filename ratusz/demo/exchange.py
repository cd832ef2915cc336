"""Demo data of the exchange app: every unit of every demo gmina has its ADE and its
e-Doręczenia mailbox (the office's is the gmina's), the office an ePUAP inbox, the resident
an ADE of a person; the simulator started by rundemo holds them all
(var/exchange/demo-mailboxes.json)."""

from __future__ import annotations

import json
import unicodedata

from django.conf import settings

from ratusz.accounts.permissions import ROLE_PERMISSIONS, Role
from ratusz.core.models import Unit
from ratusz.exchange import selectors, services

MAILBOXES_FILE = "demo-mailboxes.json"
_mailboxes: dict[str, dict] = {}


def demo_ade(teryt: str, index: int, name: str) -> str:
    """A made-up ADE of the published format, fixed for a gmina's unit (the check digits
    are not computed: their algorithm is not published)."""
    letters = "".join(c for c in unicodedata.normalize("NFKD", name).upper()
                      if "A" <= c <= "Z")
    letters = (letters + "XXXXX")[:5]
    second = f"{index:02d}{teryt[-3:]}"
    check = sum(int(d) for d in teryt + second) % 100
    return f"AE:PL-{teryt[:5]}-{second}-{letters}-{check:02d}"


def ensure_demo(municipality, staff: dict, resident, *, issue_token) -> dict:
    """Create what is missing of the exchange demo for this gmina (idempotent); returns what
    the gmina's entry of var/demo.json gains: its `ade`, the ePUAP inbox, the resident's
    ADE, and the tokens to draft, approve, seal and send a letter through the API."""
    units = list(Unit.objects.for_municipality(municipality).order_by("pk"))
    for index, unit in enumerate(units):
        if not unit.ade:
            services.assign_ade(unit, acting_user=None,
                                ade=demo_ade(municipality.teryt, index, municipality.slug))
            unit.refresh_from_db()
        _mailboxes[unit.ade] = {"ade": unit.ade, "name": unit.name, "public_body": True}
    office = next(unit for unit in units if unit.is_office)
    inbox = f"/UG{municipality.slug.replace('-', '')}/SkrytkaESP"
    if selectors.mailbox_of_unit(municipality, office, "epuap") is None:
        services.set_epuap_inbox(office, acting_user=None, address=inbox)
    resident_ade = demo_ade(municipality.teryt, 99, resident.last_name)
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
    """After every gmina: the mailboxes the simulator is to hold, in a file rundemo gives
    it. Returns no top-level key (rundemo adds the simulator's address)."""
    folder = settings.VAR_DIR / "exchange"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MAILBOXES_FILE).write_text(
        json.dumps(sorted(_mailboxes.values(), key=lambda b: b["ade"]), ensure_ascii=False,
                   indent=1), encoding="utf-8")
    return {}

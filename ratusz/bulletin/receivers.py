"""What the BIP does when another part of the platform reports something: a unit added to
a gmina (core's `unit_created`, sent by `core.services.create_unit` and
`create_municipality` after their commit, never by a factory) gets its BIP."""

from __future__ import annotations

import logging

from ratusz.bulletin import services
from ratusz.core import events

logger = logging.getLogger("ratusz.bulletin")


def unit_created(sender, *, unit_id: int, municipality_id: int,
                 acting_user_id: int | None = None, **kwargs) -> None:
    # The unit has committed: a failure here must not turn the answer that added it into
    # an error. The unit then gets its BIP from the editors' dashboard ("create").
    try:
        services.give_new_unit_its_site(unit_id=unit_id, municipality_id=municipality_id,
                                        acting_user_id=acting_user_id)
    except Exception:  # noqa: BLE001 - logged; the dashboard offers to make the BIP
        logger.exception("bip: no BIP made for the new unit %s", unit_id)


def connect() -> None:
    events.unit_created.connect(unit_created, dispatch_uid="bulletin.unit_created")

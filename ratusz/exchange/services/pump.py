"""The pump: one round sends what is due, collects evidences, fetches every active mailbox
and tells the EZD about its letters. Run by `manage.py exchange_pump` (a loop; the demo
starts it) or the Celery task `exchange.pump`."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ratusz.core.tenancy import tenant_context
from ratusz.exchange import selectors
from ratusz.exchange.models import Mailbox, OutboundStatus
from ratusz.exchange.services import config, inbox, letters, outbox

logger = logging.getLogger(__name__)
FETCH_NOTE_EVERY = timedelta(seconds=60)
#: Letters the receiver of `letter_sent` missed are looked for once a minute, among those
#: sealed in the last day and at least a minute ago (the receiver's own time).
SWEEP_EVERY = 60.0
SWEEP_WINDOW = (timedelta(days=1), timedelta(seconds=60))
_last_sweep = {"at": 0.0}


def sweep_letters(now=None) -> int:
    """Queue (or note for paper) the sent e-Doręczenia letters nobody took; returns how
    many. The caller has entered all gminy."""
    now = now or timezone.now()
    taken = 0
    for municipality_id, letter_id in selectors.letters_not_taken(
            now - SWEEP_WINDOW[0], now - SWEEP_WINDOW[1]):
        try:
            letters.queue_letter(municipality_id, letter_id)
            taken += 1
        except Exception:  # noqa: BLE001 - one letter's problem stops no other
            logger.exception("exchange.sweep_failed", extra={"letter": letter_id})
    return taken


def run_round(*, fetch: bool = True, send: bool = True,
              shard: tuple[int, int] | None = None) -> dict:
    """One round of the pump (of the gminy of `shard` (i, n) when several pumps share the
    work); returns its counts."""
    counts = {"sent": 0, "retried": 0, "failed": 0, "evidences": 0, "registered": 0,
              "quarantined": 0, "reported": 0, "swept": 0}
    client = config.edelivery()
    with tenant_context(None, all_municipalities=True):
        if send and (shard is None or shard[0] == 0) and \
                time.monotonic() - _last_sweep["at"] >= SWEEP_EVERY:
            _last_sweep["at"] = time.monotonic()
            counts["swept"] = sweep_letters()
        if send and client is not None:
            for message in selectors.due_outbound(shard=shard):
                with tenant_context(message.municipality):
                    if message.status == OutboundStatus.QUEUED:
                        result = outbox.dispatch(message, client)
                        counts[{"sent": "sent", "retry": "retried", "failed": "failed"}.get(
                            result, "sent")] += result != "skipped"
                    else:
                        counts["evidences"] += outbox.collect_evidences(message, client)
        if fetch:
            for mailbox in selectors.active_mailboxes(shard=shard):
                with tenant_context(mailbox.municipality):
                    result = inbox.fetch_mailbox(mailbox)
                    now = timezone.now()
                    # Written when something came or once a minute, not on every round.
                    if result.get("registered") or result.get("quarantined") or \
                            mailbox.last_fetched_at is None or \
                            now - mailbox.last_fetched_at > FETCH_NOTE_EVERY:
                        with transaction.atomic(durable=True):
                            Mailbox.objects.filter(pk=mailbox.pk).update(last_fetched_at=now)
                counts["registered"] += result.get("registered", 0)
                counts["quarantined"] += result.get("quarantined", 0)
        for message in selectors.unreported_outbound(shard=shard):
            with tenant_context(message.municipality):
                counts["reported"] += letters.report_to_ezd(message)
    return counts

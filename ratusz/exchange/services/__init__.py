"""Writes of the exchange app (durable transactions; side effects after commit).

By concern:
- `addresses`: a unit's ADE and mailboxes, its ePUAP inbox, the address base look-up;
- `outbox`: queueing, sending with retries and back-off, evidences of what was sent;
- `inbox`: fetching the mailboxes and registering what arrives in the RPW (or quarantine);
- `letters`: the EZD's letters sent by e-Doręczenia and their delivery told to the EZD;
- `a2a`: between the platform's gminy and units: case transfers and units' reports;
- `pump`: one round of all of it;
- `config`: where the providers are (settings).
"""

from ratusz.exchange.errors import ExchangeError
from ratusz.exchange.services.a2a import submit_unit_report, transfer_case_to
from ratusz.exchange.services.addresses import (
    assign_ade,
    check_ade,
    give_new_unit_its_ade,
    look_up_addresses,
    set_epuap_inbox,
)
from ratusz.exchange.services.inbox import fetch_mailbox, take_in
from ratusz.exchange.services.letters import queue_letter, report_to_ezd
from ratusz.exchange.services.outbox import (
    collect_evidences,
    dispatch,
    queue_message,
    retry_message,
)
from ratusz.exchange.services.pump import run_round

__all__ = [
    "ExchangeError", "assign_ade", "check_ade", "collect_evidences", "dispatch",
    "fetch_mailbox", "give_new_unit_its_ade", "look_up_addresses", "queue_letter",
    "queue_message", "report_to_ezd",
    "retry_message", "run_round", "set_epuap_inbox", "submit_unit_report", "take_in",
    "transfer_case_to",
]

"""Writes of the EZD: registering, assigning, opening and handling cases, documents,
letters, the case record and the archive.

Every public function that writes owns its transaction (`durable=True`), locks what it
numbers or changes, and writes its case-record entry in that same transaction; the
`*_within` functions are steps of a larger write whose caller owns the transaction (an
e-service submission). Side effects (indexing, signals to other apps, deleting files) are
queued with `ratusz.core.effects.after_commit`.

The package, by concern:
- `numbering`: gapless sequences and the formats of RPW/RKW numbers and case marks;
- `record`: the hash-chained case record (metryka sprawy) and its verification;
- `checks`: the limits of every text and date a person gives, and how a text that slipped
  through is shown (`shown_text`);
- `parties`: senders and parties as plain data checked before they are stored;
- `integrity`: the proofs a restore runs (case records' hash chains, counters);
- `registers`: the incoming register, annulment, assignment (dekretacja), routing rules;
- `cases`: opening, statuses, handlers, notes, links, parties, closing, reopening, transfer;
- `documents`: storing checked files, documents and their versions, previews;
- `letters`: drafting, approval (akceptacja), sealing and sending outgoing letters;
- `archive`: transfer to the office archive, disposal lists, archive packages.

Domain modules of the app that are not services: `ratusz.cases.documents` checks an
upload (type by content, text, signature) and writes nothing; `ratusz.cases.letters`
renders a letter to PDF; `ratusz.cases.signing` seals and verifies (PAdES, XAdES);
`ratusz.cases.errors` is the refusal raised here. `ratusz.cases.jrwa` (importing a JRWA
table) and `ratusz.cases.search` (the search index, refreshed after commit) are
service-level modules beside this package. Reads live in `ratusz.cases.selectors` and
`ratusz.cases.reports`.

Everything public is importable from `ratusz.cases.services`, as are the helpers other
apps may use: checking an upload, the unit's e-seal, the domain events, the date of a
letter in words (`format_polish_date`) and the lazy message with named placeholders
(`lazy_message`).
"""

from ratusz.cases.documents import Inspection, UploadRejected, inspect_upload
from ratusz.cases.errors import EzdError, lazy_message
from ratusz.cases.letters import format_polish_date
from ratusz.cases.selectors import final_class, overdue_filter, pending_step
from ratusz.cases.services.archive import (
    approve_disposal_list,
    create_disposal_list,
    delete_unused_files,
    execute_disposal_list,
    export_archive_package,
    submit_disposal_list,
    transfer_to_archive,
)
from ratusz.cases.services.cases import (
    add_note,
    add_party,
    assign_case,
    await_party_within,
    change_status,
    close_case,
    link_cases,
    lock_case,
    open_case,
    open_case_once,
    open_case_within,
    reopen_case,
    retention_dates,
    retention_end,
    retention_reason,
    set_status_within,
    transfer_case,
)
from ratusz.cases.services.checks import shown_text
from ratusz.cases.services.documents import (
    add_document,
    add_document_version,
    add_stored_document_within,
    discard_stored_file,
    ensure_preview,
    preview_path,
    store_checked_file,
)
from ratusz.cases.services.letters import (
    LETTER_FIELDS,
    decide_approval,
    draft_letter,
    record_letter_delivery,
    render_letter_preview,
    request_approval,
    seal_letter,
    send_letter,
    update_letter,
    withdraw_from_approval,
)
from ratusz.cases.services.notices import (
    send_approval_notice,
    send_daily_summaries,
    set_staff_notices,
    staff_notices,
)
from ratusz.cases.services.numbering import case_mark, next_in_sequence, rkw_number, rpw_number
from ratusz.cases.services.parties import PartyData, SenderData
from ratusz.cases.services.record import ChainProblem, record_case_event, verify_case_record
from ratusz.cases.services.registers import (
    add_incoming_file,
    annul_incoming,
    assign_entry,
    attach_stored_file_within,
    create_routing_rule,
    register_incoming,
    register_incoming_within,
    set_routing_rule_active,
)
from ratusz.cases.signals import case_status_changed, letter_sent
from ratusz.cases.signing import (
    CHAIN_FORMATS,
    SignatureCheck,
    certificate_facts,
    chain_file,
    seal_chain,
    seal_pdf,
    seal_xml,
    verify_pdf,
    verify_xades,
)

__all__ = [
    "CHAIN_FORMATS", "ChainProblem", "EzdError", "Inspection", "LETTER_FIELDS", "PartyData",
    "SenderData", "SignatureCheck", "UploadRejected", "add_document", "add_document_version",
    "add_incoming_file", "add_note", "add_party", "add_stored_document_within",
    "annul_incoming", "approve_disposal_list", "assign_case", "assign_entry",
    "attach_stored_file_within", "await_party_within", "case_mark", "case_status_changed",
    "certificate_facts", "chain_file", "change_status", "close_case", "create_disposal_list",
    "create_routing_rule", "decide_approval", "delete_unused_files", "discard_stored_file",
    "draft_letter", "ensure_preview", "execute_disposal_list", "export_archive_package",
    "final_class", "format_polish_date", "inspect_upload", "lazy_message", "letter_sent",
    "link_cases", "lock_case", "next_in_sequence", "open_case", "open_case_once",
    "open_case_within",
    "overdue_filter", "pending_step", "preview_path", "record_case_event",
    "record_letter_delivery", "register_incoming",
    "register_incoming_within", "render_letter_preview", "reopen_case", "request_approval",
    "retention_dates",
    "retention_end", "retention_reason", "rkw_number", "rpw_number", "seal_chain",
    "seal_letter", "seal_pdf", "seal_xml", "send_letter", "set_routing_rule_active",
    "set_status_within", "shown_text", "store_checked_file", "submit_disposal_list",
    "transfer_case", "transfer_to_archive", "update_letter", "verify_case_record",
    "verify_pdf", "verify_xades", "withdraw_from_approval", "send_approval_notice",
    "send_daily_summaries", "set_staff_notices", "staff_notices",
]

"""Writes of the education app (durable transactions; side effects after commit).

By concern: `campaigns` (the campaign and its timetable, institutions and places,
criteria, continuation declarations, the lottery, the rounds), `children` (checking and
recording a child), `applications` (filing, documents, the commission's verification,
withdrawal, confirmation of will), `results` (scoring, allocation, the lists),
`enrolments` (a child's place), `appeals` (justification, appeal, the director's decision
as a case of the EZD), `news` (the parent's notifications)."""

from ratusz.education.services.appeals import (
    decide_appeal,
    file_appeal,
    give_justification,
    refusing_offers,
    request_justification,
)
from ratusz.education.services.applications import (
    ApplicationData,
    Upload,
    add_documents,
    confirm_will,
    request_documents,
    submit_application,
    verify_application,
    withdraw_application,
)
from ratusz.education.services.campaigns import (
    add_criterion,
    add_offer,
    check_timetable,
    close_campaign,
    create_campaign,
    draw_lottery,
    ensure_institution,
    open_campaign,
    open_supplementary_round,
    record_continuation,
)
from ratusz.education.services.children import ChildData
from ratusz.education.services.library import (
    ImportReport,
    add_copy,
    add_reader,
    add_record,
    cancel_reservation,
    create_library,
    expire_reservations,
    import_marc,
    lend,
    reserve,
    return_copy,
    send_overdue_reminders,
    set_aside,
)
from ratusz.education.services.results import (
    allocate_campaign,
    build_input,
    capacities,
    latest_allocation,
    publish_admitted_lists,
    publish_qualified_lists,
    round_of,
    run_matching,
)

__all__ = [
    "ApplicationData", "ChildData", "Upload", "add_criterion", "add_documents", "add_offer",
    "allocate_campaign", "build_input", "capacities", "check_timetable", "close_campaign",
    "confirm_will", "create_campaign", "decide_appeal", "draw_lottery", "ensure_institution",
    "file_appeal", "give_justification", "latest_allocation", "open_campaign",
    "open_supplementary_round", "publish_admitted_lists", "publish_qualified_lists",
    "record_continuation", "refusing_offers", "request_documents", "request_justification",
    "round_of", "run_matching", "submit_application", "verify_application",
    "withdraw_application",
    "ImportReport", "add_copy", "add_reader", "add_record", "cancel_reservation",
    "create_library", "expire_reservations", "import_marc", "lend", "reserve", "return_copy",
    "send_overdue_reminders", "set_aside",
]

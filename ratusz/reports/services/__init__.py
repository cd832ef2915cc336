"""Writes of the reports app, by concern:

- `rollups`: the day's figures of a gmina and its year's snapshot (idempotent refresh);
- `clocks`: the legal clock of every matter, the handler's notices of delay;
- `watch`: reminders, weekly digests, the announcement of a notice, ponaglenia;
- `partnerships`: partnerships, memberships, coordinators, test inquiries;
- `monthly`: the monthly PDF report and its recipients.

The outermost function owns the transaction (`atomic(durable=True)`); e-mail and tasks go
out after it commits."""

from ratusz.reports.services.clocks import (
    WatchError,
    backfill_clocks,
    reconcile_clocks,
    record_adjustment,
    track_cases,
)
from ratusz.reports.services.monthly import (
    recipients_of,
    render_monthly_pdf,
    send_monthly_report,
    set_recipients,
)
from ratusz.reports.services.partnerships import (
    PartnershipError,
    create_partnership,
    decide_membership,
    ensure_coordinator,
    file_due_inquiries,
    inquiry_account,
    invite_member,
    record_inquiry_answer,
    schedule_inquiry,
)
from ratusz.reports.services.rollups import (
    compute_indicators,
    mark_pending,
    refresh_day,
    refresh_days,
    refresh_pending,
    refresh_recent,
    refresh_snapshot,
)
from ratusz.reports.services.watch import (
    announce_adjustment,
    file_ponaglenie,
    late_matter,
    matter_clock,
    note_case_event,
    note_new_unit,
    route_ponaglenie,
    run_watch,
    save_watch_settings,
    send_digests,
    tell_resident_late,
    track_after_event,
    track_marked,
    watch_settings,
)

__all__ = [
    "PartnershipError", "WatchError", "announce_adjustment", "backfill_clocks",
    "compute_indicators",
    "create_partnership", "decide_membership", "ensure_coordinator", "file_due_inquiries",
    "file_ponaglenie", "inquiry_account", "invite_member", "late_matter", "mark_pending",
    "matter_clock", "note_case_event", "note_new_unit", "reconcile_clocks",
    "record_adjustment", "record_inquiry_answer",
    "recipients_of", "refresh_day", "refresh_days", "refresh_pending", "refresh_recent",
    "refresh_snapshot", "render_monthly_pdf", "route_ponaglenie", "run_watch",
    "save_watch_settings", "schedule_inquiry", "send_digests", "send_monthly_report",
    "set_recipients", "tell_resident_late", "track_after_event", "track_cases", "track_marked",
    "watch_settings",
]

"""The reports app's tables. Every table of a gmina inherits TenantOwned; the partnership
itself and the flag of the test-inquiry account belong to the platform.

- `partnerships`: partnerships of gminy, their members (accepted by each gmina), the
  test-inquiry account;
- `figures`: the rollups per gmina, unit and day, the gmina's computed indicators per
  year (numbers only), the days waiting to be recomputed;
- `watch`: the legal clock of every matter, the handler's art. 36 notices, reminders sent,
  ponaglenia, the gmina's watch settings, the monthly report's recipients, test inquiries.
"""

from ratusz.reports.models.figures import (
    DailyFigure,
    IndicatorSnapshot,
    MarkedCase,
    PendingRefresh,
)
from ratusz.reports.models.partnerships import (
    InquiryAccount,
    MemberStatus,
    Partnership,
    PartnershipMember,
)
from ratusz.reports.models.watch import (
    AdjustmentKind,
    ClockAdjustment,
    ClockKind,
    InquiryStatus,
    MatterClock,
    MonthlyReportSent,
    Ponaglenie,
    ReminderStage,
    ReportRecipient,
    TestInquiry,
    WatchReminder,
    WatchSettings,
)

__all__ = [
    "AdjustmentKind", "ClockAdjustment", "ClockKind", "DailyFigure", "IndicatorSnapshot",
    "InquiryAccount", "InquiryStatus", "MarkedCase", "MatterClock", "MemberStatus",
    "MonthlyReportSent",
    "Partnership", "PartnershipMember", "PendingRefresh", "Ponaglenie", "ReminderStage",
    "ReportRecipient", "TestInquiry", "WatchReminder", "WatchSettings",
]

"""Electronic document management (EZD) by the instrukcja kancelaryjna.

Registers (RPW incoming, RKW outgoing), the JRWA classification, cases with their marks,
assignments (dekretacja), documents with versions, approvals (akceptacja), the hash-chained
case record (metryka sprawy) and the archive (retention, disposal, transfer).
Every table is tenant-owned; numbers come from `Counter` rows locked in the transaction
that uses them, so they are gapless and unique.

One module per concern; every model and choice is importable from `ratusz.cases.models`.
"""

from ratusz.cases.models.archive import ArchiveTransfer, DisposalList, DisposalStatus
from ratusz.cases.models.cases import (
    OPEN_STATUSES,
    Case,
    CaseLink,
    CaseLinkKind,
    CaseParty,
    CaseStatus,
    CaseType,
)
from ratusz.cases.models.documents import (
    Document,
    DocumentKind,
    DocumentVersion,
    SignatureStatus,
)
from ratusz.cases.models.jrwa import (
    JrwaClass,
    JrwaVersion,
    archival_category_validator,
    jrwa_symbol_validator,
)
from ratusz.cases.models.letters import (
    ApprovalDecision,
    ApprovalStep,
    LetterStatus,
    OutgoingEntry,
    OutgoingLetter,
    SendingMethod,
)
from ratusz.cases.models.notices import StaffNotices
from ratusz.cases.models.record import CaseAction, CaseRecordEntry
from ratusz.cases.models.registers import (
    AccessLevel,
    Assignment,
    Channel,
    Correspondent,
    Counter,
    DcmiType,
    IncomingEntry,
    IncomingSender,
    IncomingStatus,
    PartyKind,
    RoutingRule,
    partial_date_validator,
)

__all__ = [
    "OPEN_STATUSES", "AccessLevel", "ApprovalDecision", "ApprovalStep", "ArchiveTransfer",
    "Assignment", "Case", "CaseAction", "CaseLink", "CaseLinkKind", "CaseParty",
    "CaseRecordEntry", "CaseStatus", "CaseType", "Channel", "Correspondent", "Counter",
    "DcmiType", "DisposalList", "DisposalStatus", "Document", "DocumentKind",
    "DocumentVersion", "IncomingEntry", "IncomingSender", "IncomingStatus", "JrwaClass",
    "JrwaVersion", "LetterStatus", "OutgoingEntry", "OutgoingLetter", "PartyKind",
    "RoutingRule", "SendingMethod", "SignatureStatus", "StaffNotices",
    "archival_category_validator", "jrwa_symbol_validator", "partial_date_validator",
]

"""The education app's tables; every table of a gmina inherits TenantOwned.

By concern: `institutions` (the preschools and schools, the children, their enrolments:
first-class, for the later parts of the app to hang off), `recruitment` (campaigns, the
institutions' offers, the criteria, applications with their preferences, declared
criteria and documents), `outcomes` (points per institution, allocation runs, published
lists, justifications and appeals)."""

from ratusz.education.models.attendance import (
    Absence,
    AbsenceSource,
    AttendanceAgreement,
    DeductionRule,
    FeePolicy,
    FeeStatement,
    MealPlan,
    Presence,
    StatementStatus,
)
from ratusz.education.models.institutions import (
    Child,
    DocumentKind,
    Enrolment,
    EnrolmentSource,
    Institution,
    InstitutionKind,
)
from ratusz.education.models.library import (
    ACTIVE_RESERVATION,
    BibRecord,
    Copy,
    CopyStatus,
    Library,
    Loan,
    OverdueReminder,
    Reader,
    ReaderKind,
    Reservation,
    ReservationState,
)
from ratusz.education.models.outcomes import (
    Allocation,
    Appeal,
    AppealDecision,
    Justification,
    ListKind,
    PublishedList,
    Score,
)
from ratusz.education.models.recruitment import (
    STATUTORY_CRITERIA,
    Application,
    ApplicationDocument,
    ApplicationKind,
    ApplicationStatus,
    Campaign,
    CampaignKind,
    CampaignStatus,
    Criterion,
    CriterionStage,
    DeclarationStatus,
    DeclaredCriterion,
    Offer,
    Preference,
    Round,
)
from ratusz.education.models.scholarships import (
    HelpApplication,
    HelpKind,
    HelpStatus,
    HouseholdMember,
    IncomeSource,
    MemberIncome,
    PayoutLine,
    ScholarshipRegulation,
)
from ratusz.education.models.sheets import (
    AdditionalHours,
    Division,
    EmploymentForm,
    OpinionBody,
    OrganisationSheet,
    SheetComment,
    SheetEvent,
    SheetOpinion,
    SheetRates,
    SheetStatus,
    SheetStep,
    SheetTeacher,
    SheetVersion,
    SubjectHours,
)

__all__ = [
    "STATUTORY_CRITERIA", "Allocation", "Appeal", "AppealDecision", "Application",
    "ApplicationDocument", "ApplicationKind", "ApplicationStatus", "Campaign", "CampaignKind",
    "CampaignStatus", "Child", "Criterion", "CriterionStage", "DeclarationStatus",
    "DeclaredCriterion", "DocumentKind", "Enrolment", "EnrolmentSource", "Institution",
    "InstitutionKind", "Justification", "ListKind", "Offer", "Preference", "PublishedList",
    "Round", "Score",
    "Absence", "AbsenceSource", "AttendanceAgreement", "DeductionRule", "FeePolicy",
    "FeeStatement", "MealPlan", "Presence", "StatementStatus",
    "AdditionalHours", "Division", "EmploymentForm", "OpinionBody", "OrganisationSheet",
    "SheetComment", "SheetEvent", "SheetOpinion", "SheetRates", "SheetStatus", "SheetStep",
    "SheetTeacher", "SheetVersion", "SubjectHours",
    "HelpApplication", "HelpKind", "HelpStatus", "HouseholdMember", "IncomeSource",
    "MemberIncome", "PayoutLine", "ScholarshipRegulation",
    "ACTIVE_RESERVATION", "BibRecord", "Copy", "CopyStatus", "Library", "Loan",
    "OverdueReminder", "Reader", "ReaderKind", "Reservation", "ReservationState",
]

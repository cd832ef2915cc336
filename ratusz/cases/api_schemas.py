"""The bodies of the EZD's API (`ratusz.cases.api`): what a caller sends, strict and
bounded, and what it gets back.

A request body refuses keys it does not know (`StrictSchema`, 422 naming the key); every
text carries its model's limit (`services.checks.limit_of`) and refuses the characters no
register, case record or XML export may hold (`SafeText`: XML 1.0's forbidden controls and
the bidirectional overrides, `ratusz.core.text`); ids and lists are bounded."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict

from ratusz.cases import services
from ratusz.cases.models import (
    AccessLevel,
    Case,
    CaseParty,
    Channel,
    IncomingEntry,
    IncomingSender,
    OutgoingLetter,
    PartyKind,
)
from ratusz.cases.services.checks import REASON_LIMIT, TEXT_CAP, limit_of
from ratusz.core.models import Department
from ratusz.core.text import describe, first_unsafe_character

MAX_ID = 2**63 - 1
#: Senders of one entry, parties of one case, departments of one assignment.
MAX_PEOPLE = 100
MAX_APPROVERS = 10
SYMBOL = Department._meta.get_field("symbol").max_length


def _refuse_unsafe(value: str) -> str:
    character = first_unsafe_character(value)
    if character is not None:
        raise ValueError(f"the text contains an invisible control character "
                         f"({describe(character)}) that cannot be accepted")
    return value


#: Text from a caller: no control character (XML 1.0) and no bidirectional override.
SafeText = Annotated[str, AfterValidator(_refuse_unsafe)]
Symbol = Annotated[str, Field(max_length=SYMBOL)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _limit(model, name: str) -> int:
    return limit_of(model, name)


class StrictSchema(Schema):
    """A request body that refuses keys it does not know (422 naming the key)."""

    model_config = ConfigDict(extra="forbid")


class SenderIn(StrictSchema):
    name: SafeText = Field("", max_length=_limit(IncomingSender, "organisation_name"),
                           description="Full name of a person or an organisation")
    kind: PartyKind | None = None
    first_name: SafeText = Field("", max_length=_limit(IncomingSender, "first_name"))
    last_name: SafeText = Field("", max_length=_limit(IncomingSender, "last_name"))
    organisation_name: SafeText = Field("", max_length=_limit(IncomingSender,
                                                              "organisation_name"))
    city: SafeText = Field("", max_length=_limit(IncomingSender, "city"))
    postal_code: SafeText = Field("", max_length=_limit(IncomingSender, "postal_code"))
    street: SafeText = Field("", max_length=_limit(IncomingSender, "street"))
    building: SafeText = Field("", max_length=_limit(IncomingSender, "building"))
    flat: SafeText = Field("", max_length=_limit(IncomingSender, "flat"))
    country: SafeText = Field("Polska", max_length=_limit(IncomingSender, "country"))
    email: SafeText = Field("", max_length=_limit(IncomingSender, "email"))

    def to_sender(self) -> services.SenderData:
        kind = self.kind
        if kind is None:
            kind = PartyKind.PERSON if (self.first_name or self.last_name) else \
                PartyKind.ORGANISATION
        organisation = self.organisation_name or (self.name if kind == PartyKind.ORGANISATION
                                                  else "")
        first, last = self.first_name, self.last_name
        if kind == PartyKind.PERSON and not last and self.name:
            first, _, last = self.name.strip().rpartition(" ")
        return services.SenderData(
            kind=kind, organisation_name=organisation.strip(), first_name=first.strip(),
            last_name=last.strip(), city=self.city, postal_code=self.postal_code,
            street=self.street, building=self.building, flat=self.flat, country=self.country,
            email=self.email,
        )


class IncomingIn(StrictSchema):
    title: SafeText = Field(..., max_length=_limit(IncomingEntry, "title"))
    sender: SenderIn | None = None
    senders: list[SenderIn] = Field([], max_length=MAX_PEOPLE)
    received_on: date = Field(..., description="From 1990-01-01, not after today")
    channel: Channel
    letter_date: SafeText = Field("", max_length=10, description=(
        "YYYY-MM-DD, YYYY-MM or YYYY, from 1900, not after today; empty: the date "
        "received"))
    posted_on: date | None = Field(None, description="From 1990-01-01, not after the date "
                                                     "received")
    sender_reference: SafeText = Field("", max_length=_limit(IncomingEntry,
                                                             "sender_reference"))
    document_type: SafeText = Field("", max_length=_limit(IncomingEntry, "document_type"))
    access_level: AccessLevel = AccessLevel.PUBLIC
    attachments_count: int = Field(0, ge=0, le=10000)
    remarks: SafeText = Field("", max_length=_limit(IncomingEntry, "remarks"))
    is_unopened: bool = False
    unopened_reason: SafeText = Field("", max_length=_limit(IncomingEntry,
                                                            "unopened_reason"))


class SenderOut(Schema):
    kind: str
    name: str
    city: str
    ade: str = Field(description="The sender's address for e-Doręczenia, if known.")

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.display_name


class AssignmentOut(Schema):
    id: int
    department: str | None
    user_id: int | None
    is_leading: bool
    instructions: str
    due_date: date | None

    @staticmethod
    def resolve_department(obj) -> str | None:
        return obj.to_department.symbol if obj.to_department_id else None

    @staticmethod
    def resolve_user_id(obj) -> int | None:
        return obj.to_user_id


class IncomingOut(Schema):
    id: int
    number: str
    unit_id: int
    title: str
    status: str
    channel: str
    letter_date: str
    received_on: date
    registered_at: datetime
    sender_reference: str
    access_level: str
    attachments_count: int
    is_unopened: bool
    senders: list[SenderOut]
    sender_ade: str = Field(description="The first sender's address for e-Doręczenia, or "
                                        "empty.")
    assignments: list[AssignmentOut]

    @staticmethod
    def resolve_senders(obj):
        return list(obj.senders.all())

    @staticmethod
    def resolve_sender_ade(obj) -> str:
        return next((sender.ade for sender in obj.senders.all() if sender.ade), "")

    @staticmethod
    def resolve_assignments(obj):
        return list(obj.assignments.filter(is_current=True).select_related("to_department"))


class AssignIn(StrictSchema):
    department: Symbol | None = None
    user_id: Id | None = None
    instructions: SafeText = Field("", max_length=TEXT_CAP)
    due_date: date | None = None
    co_departments: list[Symbol] = Field([], max_length=MAX_PEOPLE)


class PartyIn(SenderIn):
    role: SafeText = Field("strona", max_length=_limit(CaseParty, "role"))


class CaseIn(StrictSchema):
    title: SafeText = Field(..., max_length=_limit(Case, "title"))
    jrwa_symbol: str = Field(..., max_length=_limit(Case, "jrwa_symbol"))
    department: Symbol
    incoming_id: Id | None = None
    description: SafeText = Field("", max_length=_limit(Case, "description"))
    deadline: date | None = None
    handler_id: Id | None = None
    parties: list[PartyIn] = Field([], max_length=MAX_PEOPLE)


class CaseOut(Schema):
    id: int
    mark: str
    title: str
    description: str
    status: str
    department: str
    jrwa_symbol: str
    jrwa_title: str
    archival_category: str
    year: int
    opened_at: datetime
    deadline: date | None
    handler: str | None
    incoming_number: str | None
    settled_on: date | None
    retention_until: date | None
    parties: list[SenderOut]

    @staticmethod
    def resolve_department(obj) -> str:
        return obj.department.symbol

    @staticmethod
    def resolve_jrwa_title(obj) -> str:
        return obj.jrwa_class.title

    @staticmethod
    def resolve_archival_category(obj) -> str:
        return obj.archival_category or obj.jrwa_class.category

    @staticmethod
    def resolve_handler(obj) -> str | None:
        return obj.handler.get_full_name() if obj.handler_id else None

    @staticmethod
    def resolve_incoming_number(obj) -> str | None:
        return obj.incoming.number if obj.incoming_id else None

    @staticmethod
    def resolve_parties(obj):
        return list(obj.parties.all())


class RecordEntryOut(Schema):
    position: int
    occurred_at: datetime
    actor_name: str
    actor_position: str
    action: str
    description: str
    document: str
    hash: str

    @staticmethod
    def resolve_document(obj) -> str:
        return obj.document_label


class StatusIn(StrictSchema):
    status: str = Field(..., max_length=20)
    note: SafeText = Field("", max_length=REASON_LIMIT)


class CloseIn(StrictSchema):
    settled_on: date | None = Field(None, description="Not after today")
    note: SafeText = Field("", max_length=REASON_LIMIT)


class LetterIn(StrictSchema):
    subject: SafeText = Field(..., max_length=_limit(OutgoingLetter, "subject"))
    body: SafeText = Field(..., max_length=_limit(OutgoingLetter, "body"))
    addressee_name: SafeText = Field(..., max_length=_limit(OutgoingLetter, "addressee_name"))
    addressee_address: SafeText = Field("", max_length=_limit(OutgoingLetter,
                                                              "addressee_address"))
    addressee_city: SafeText = Field(..., max_length=_limit(OutgoingLetter, "addressee_city"))
    sending_method: str = Field("post", max_length=20)
    addressee_ade: str = Field("", max_length=30, description="The addressee's address for "
                               "e-Doręczenia (AE:PL-NNNNN-NNNNN-LLLLL-NN).")


class ApprovalStepOut(Schema):
    order: int
    round: int
    approver_id: int
    approver: str
    decision: str
    comment: str
    decided_at: datetime | None

    @staticmethod
    def resolve_approver(obj) -> str:
        return obj.approver.get_full_name()


class LetterOut(Schema):
    id: int
    subject: str
    body: str
    status: str
    addressee_name: str
    addressee_city: str
    sending_method: str
    addressee_ade: str
    letter_date: date | None
    sealed_pdf_version_id: int | None
    rkw_number: str | None
    steps: list[ApprovalStepOut]
    delivery: dict | None = Field(description="Once sent by e-Doręczenia: {status: sent | "
                                  "delivered | deemed_delivered | failed, sent_at, "
                                  "received_at, channel, reason, evidences: [{kind, url}]}.")

    @staticmethod
    def resolve_delivery(obj) -> dict | None:
        return obj.delivery or None

    @staticmethod
    def resolve_sealed_pdf_version_id(obj) -> int | None:
        if obj.document_id is None:
            return None
        version = obj.document.current_version
        return version.pk if version else None

    @staticmethod
    def resolve_rkw_number(obj) -> str | None:
        entry = getattr(obj, "outgoing_entry", None)
        return entry.number if entry else None

    @staticmethod
    def resolve_steps(obj):
        return list(obj.steps.select_related("approver").order_by("round", "order"))


class ApprovalIn(StrictSchema):
    approver_ids: list[Id] = Field(..., max_length=MAX_APPROVERS)


class DecisionIn(StrictSchema):
    approve: bool
    comment: SafeText = Field("", max_length=REASON_LIMIT)


class SendIn(StrictSchema):
    sending_method: str | None = Field(None, max_length=20)

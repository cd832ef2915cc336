"""News of a resident's own case (submitted, a new status, a message or a letter from the
office). The e-services own this use case: here the news is composed — which submission,
the case's status in Polish, the link, the e-mail text — and handed to the notification
outbox as plain data (`queue_personal_news`), which sends it by the channels the resident
chose for "news of my cases"; without a choice, by e-mail to the address on the form."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone, translation

from ratusz.cases.models import CaseStatus
from ratusz.core.polish import gmina_names
from ratusz.core.tenancy import tenant_context
from ratusz.eservices.links import matter_url, status_url
from ratusz.eservices.models import Submission
from ratusz.notifications.services import queue_personal_news

SUBJECTS = {"submitted": "Wniosek przyjęty", "message": "Nowa wiadomość w sprawie",
            "letter": "Nowe pismo w sprawie"}
EVENTS = {"submitted": "wniosek przyjęty", "message": "nowa wiadomość z urzędu",
          "letter": "nowe pismo z urzędu"}


def status_label(status: str) -> str:
    """The case status as residents read it (in Polish, whatever language is active)."""
    with translation.override("pl"):
        return str(CaseStatus(status).label)


def notify(submission_id: int, event: str, ref: str = "") -> int:
    """Queue the news; `ref` makes the outbox key unique per occurrence (a repeated call
    for the same occurrence queues nothing). Returns how many messages were queued."""
    with tenant_context(None, all_municipalities=True):
        submission = Submission.objects.select_related(
            "municipality", "service", "case", "incoming").filter(pk=submission_id).first()
    if submission is None or submission.case is None:
        return 0
    municipality, case = submission.municipality, submission.case
    if event == "submitted" and not ref:
        ref = "submitted"
    ref = ref or f"{event}:{int(timezone.now().timestamp() * 1000)}"
    status = status_label(case.status)
    link = matter_url(submission) if submission.resident_id else status_url(submission)
    with tenant_context(municipality), translation.override("pl"):
        body = render_to_string("eservices/email/status.txt", {
            "submission": submission, "case": case, "event": event,
            "municipality": municipality, "status": status, "link": link,
            "received_by": gmina_names(municipality).agreeing(
                masculine="przyjął", feminine="przyjęła", neuter="przyjęło",
                plural="przyjęły")})
        return queue_personal_news(
            municipality, user_id=submission.resident_id, email=submission.email,
            key=f"case:{submission.pk}:{ref}",
            values={"gmina": municipality.name, "case": case.mark,
                    "service": submission.service.name, "status": status,
                    "event": EVENTS.get(event, f"nowy status: {status}"), "link": link},
            email_subject=f"{SUBJECTS.get(event, 'Zmiana statusu sprawy')}: {case.mark}",
            email_body=body)

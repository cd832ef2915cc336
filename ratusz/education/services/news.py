"""News of a parent's application at every step (filed, documents requested, list
published with the date to confirm by, admitted or not, justification given, appeal
registered and decided), composed here and handed to the notification outbox as plain
data (`queue_personal_news`): it goes by the channels the parent chose for "news of my
cases", else by e-mail to the address on the application. Runs after the commit of the
step; a repeated call for the same step queues nothing."""

from __future__ import annotations

from django.db.models import Q
from django.utils import translation

from ratusz.core.links import public_url
from ratusz.core.tenancy import tenant_context
from ratusz.education.models import Application, ApplicationStatus, Round
from ratusz.notifications.services import queue_personal_news

EVENTS = {
    "submitted": "wniosek przyjęty",
    "documents_requested": "komisja prosi o dokumenty",
    "qualified_list": "opublikowano listę zakwalifikowanych",
    "admitted_list": "opublikowano listę przyjętych",
    "justification_given": "komisja sporządziła uzasadnienie",
    "appeal_registered": "odwołanie zarejestrowane",
    "appeal_decided": "dyrektor rozpatrzył odwołanie",
}


def _body(application: Application, event: str, status: str, link: str) -> str:
    campaign = application.campaign
    lines = [f"Rekrutacja: {campaign.name}", f"Dziecko: {application.child.full_name}",
             f"Zdarzenie: {EVENTS.get(event, event)}", f"Status: {status}"]
    if event == "documents_requested" and application.commission_note:
        lines.append(f"Komisja prosi: {application.commission_note}")
    if event == "qualified_list" and application.status == ApplicationStatus.QUALIFIED:
        until = campaign.supplementary_confirmation_until \
            if application.round == Round.SUPPLEMENTARY else campaign.confirmation_until
        lines.append(f"Dziecko zakwalifikowano do: {application.qualified_offer.institution}."
                     f" Potwierdź wolę przyjęcia do {until.strftime('%d.%m.%Y')} – bez "
                     "potwierdzenia miejsce przepada.")
    lines += ["", f"Szczegóły i uzasadnienie wyniku: {link}"]
    return "\n".join(lines) + "\n"


def notify(application_id: int, event: str, ref: str = "") -> int:
    """Queue the news of one step; returns how many messages were queued."""
    with tenant_context(None, all_municipalities=True):
        application = (Application.objects.select_related(
            "municipality", "campaign", "child", "qualified_offer__institution__unit")
            .filter(pk=application_id).first())
    if application is None:
        return 0
    municipality = application.municipality
    with translation.override("pl"):
        status = str(ApplicationStatus(application.status).label)
    link = public_url("education:application", municipality.slug, application.public_id)
    with tenant_context(municipality):
        return queue_personal_news(
            municipality, user_id=application.guardian_id, email=application.guardian_email,
            key=f"education:{application.pk}:{ref or event}",
            values={"gmina": municipality.name, "case": f"wniosek {application.candidate_code}",
                    "service": application.campaign.name, "status": status,
                    "event": EVENTS.get(event, event), "link": link},
            email_subject=f"Rekrutacja – {EVENTS.get(event, event)}: "
                          f"{application.child.first_name}",
            email_body=_body(application, event, status, link))


def notify_many(application_ids: list[int], event: str, ref: str) -> int:
    """The news of one step for many applications (a published list): only those with
    somewhere to send it (an account or an e-mail address) are composed."""
    with tenant_context(None, all_municipalities=True):
        reachable = list(Application.objects.filter(pk__in=application_ids).filter(
            Q(guardian__isnull=False) | ~Q(guardian_email="")).values_list("pk", flat=True))
    return sum(notify(pk, event, ref) for pk in reachable)

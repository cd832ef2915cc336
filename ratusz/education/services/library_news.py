"""The school library's notices, composed here and handed to the notification outbox
(`queue_personal_news`, the channels the person chose for "news of my cases", else
e-mail): a reserved book ready for pick-up, and an overdue loan. They go to the reader's
resident account, else to a pupil's parents (each guardian with an account), else to the
e-mail on the reader card. Runs after the commit; the outbox key makes a repeated call
queue nothing."""

from __future__ import annotations

from django.utils import timezone

from ratusz.core.links import public_url
from ratusz.core.tenancy import tenant_context
from ratusz.education.models import OverdueReminder, Reader, Reservation
from ratusz.notifications.services import queue_personal_news


def _recipients(reader: Reader) -> list[tuple[int | None, str]]:
    if reader.user_id:
        return [(reader.user_id, reader.email)]
    if reader.child_id:
        guardians = [(g.pk, g.email) for g in reader.child.guardians.order_by("pk")]
        if guardians:
            return guardians
    return [(None, reader.email)] if reader.email else []


def _send(reader: Reader, key: str, event: str, lines: list[str], subject: str) -> int:
    municipality = reader.municipality
    link = public_url("education:library-mine", municipality.slug)
    body = "\n".join([*lines, "", f"Twoje wypożyczenia i rezerwacje: {link}"]) + "\n"
    queued = 0
    with tenant_context(municipality):
        for user_id, email in _recipients(reader):
            queued += queue_personal_news(
                municipality, user_id=user_id, email=email, key=f"{key}:{user_id or email}",
                values={"gmina": municipality.name, "case": f"karta {reader.card_number}",
                        "service": reader.library.name, "status": event, "event": event,
                        "link": link},
                email_subject=subject, email_body=body)
    return queued


def notify(kind: str, pk: int) -> int:
    """Queue the notice `kind` ("pickup": a reservation; "overdue": a reminder)."""
    with tenant_context(None, all_municipalities=True):
        if kind == "pickup":
            reservation = Reservation.objects.select_related(
                "record", "copy", "reader__library", "reader__municipality",
                "reader__child").filter(pk=pk).first()
            if reservation is None or reservation.pickup_until is None:
                return 0
            reader = reservation.reader
            until = reservation.pickup_until.strftime("%d.%m.%Y")
            return _send(reader, f"library:pickup:{pk}", "książka czeka na odbiór", [
                f"Biblioteka: {reader.library.name}",
                f"Czytelnik: {reader.name} (karta {reader.card_number})",
                f"Zarezerwowana książka „{reservation.record.title}” czeka na odbiór "
                f"do {until} włącznie (egzemplarz {reservation.copy.inventory_number}).",
                "Po tym dniu rezerwacja wygasa."],
                f"Książka do odebrania do {until}: {reservation.record.title}"[:200])
        reminder = OverdueReminder.objects.select_related(
            "loan__copy__record", "loan__reader__library", "loan__reader__municipality",
            "loan__reader__child").filter(pk=pk).first()
        if reminder is None:
            return 0
        loan = reminder.loan
        days = (timezone.localdate() - loan.due_on).days
        return _send(loan.reader, f"library:overdue:{pk}", "termin zwrotu minął", [
            f"Biblioteka: {loan.reader.library.name}",
            f"Czytelnik: {loan.reader.name} (karta {loan.reader.card_number})",
            f"Termin zwrotu książki „{loan.copy.record.title}” minął "
            f"{loan.due_on.strftime('%d.%m.%Y')} ({max(days, 1)} dni temu).",
            "Prosimy o zwrot do biblioteki szkolnej."],
            f"Przypomnienie o zwrocie: {loan.copy.record.title}"[:200])

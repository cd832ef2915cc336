"""Demo content of the notification system: a few subscribers, a current alert with a
locality, an older one, and a severe alert waiting for the second person's approval."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ratusz.core.models import Locality
from ratusz.notifications import services
from ratusz.notifications.models import Alert, Channel, Subscriber, Subscription, Topic


def ensure_demo(municipality, staff: dict, resident) -> None:
    if Alert.objects.filter(municipality=municipality).exists():
        return
    now = timezone.now()
    localities = list(Locality.objects.filter(municipality=municipality)[:3])
    first = localities[:1]
    clerk, head = staff["registry_clerk"], staff["head"]
    # Subscribers: the demo resident (e-mail, with news of their cases) and three neighbours.
    people = [(resident.email, resident, first), ("sasiad1@example.pl", None, first),
              ("sasiad2@example.pl", None, localities[1:2]), ("sasiad3@example.pl", None, [])]
    for email, user, where in people:
        if not email:
            continue
        subscriber, _ = Subscriber.objects.get_or_create(
            municipality=municipality, email=email,
            defaults={"user": user, "email_confirmed_at": now})
        subscriber.localities.set(where)
        topics = [Topic.WATER, Topic.WEATHER, Topic.ROADS] + ([Topic.CASES] if user else [])
        Subscription.objects.bulk_create([
            Subscription(municipality=municipality, subscriber=subscriber, topic=topic,
                         channel=Channel.EMAIL) for topic in topics], ignore_conflicts=True)
    place = first[0].name if first else municipality.name
    older, _ = services.create_alert(municipality, services.AlertData(
        event="Odbiór odpadów wielkogabarytowych", topic=Topic.WASTE,
        headline="Zbiórka mebli i elektroodpadów w sobotę",
        description="W sobotę od 7:00 firma odbierze meble, dywany i zużyty sprzęt "
                    "elektroniczny wystawione przed posesje.",
        instruction="Wystaw odpady do 7:00. Nie wystawiaj opon ani gruzu.",
        severity="Minor", urgency="Future", certainty="Likely", channels=["email"]),
        acting_user=clerk)
    services.submit_alert(older, acting_user=clerk)
    water, _ = services.create_alert(municipality, services.AlertData(
        event="Przerwa w dostawie wody", topic=Topic.WATER,
        headline=f"Brak wody: {place}",
        description="Z powodu awarii sieci wodociągowej woda nie będzie dostarczana do "
                    "czasu zakończenia naprawy.",
        instruction="Beczkowóz z wodą pitną stoi przy świetlicy wiejskiej.",
        severity="Moderate", urgency="Immediate", certainty="Observed",
        onset=now, expires=now + timedelta(days=2), localities=first,
        channels=["email", "sms"]), acting_user=clerk)
    services.submit_alert(water, acting_user=clerk)
    storm, _ = services.create_alert(municipality, services.AlertData(
        event="Silny wiatr", topic=Topic.WEATHER,
        headline="Ostrzeżenie: wichury do 100 km/h",
        description="IMGW zapowiada porywy wiatru do 100 km/h w nocy z piątku na sobotę.",
        instruction="Zabezpiecz luźne przedmioty, nie parkuj pod drzewami.",
        severity="Severe", urgency="Expected", certainty="Likely",
        onset=now + timedelta(hours=10), expires=now + timedelta(days=1)), acting_user=head)
    services.submit_alert(storm, acting_user=head)  # waits for the secretary's approval

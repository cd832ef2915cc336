"""The events of a unit's website as an iCalendar text (RFC 5545).

One event never takes the calendar down: an event whose texts hold a control character
(which RFC 5545 does not allow in a text, and a stored event may carry from before the
input checks) is left out and logged; the calendar's own name loses such characters."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.html import strip_tags

logger = logging.getLogger("ratusz.bulletin")

#: What an iCalendar text cannot carry: the control characters but tab (line breaks are
#: written escaped), DEL, and what XML forbids besides (non-characters, lone surrogates).
UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def _writable(event) -> bool:
    for name in ("title", "place", "description"):
        match = UNSAFE.search(getattr(event, name) or "")
        if match:
            logger.warning("website: event %s left out of the calendar: %s contains U+%04X",
                           event.pk, name, ord(match.group(0)))
            return False
    return True


def _ics_text(value: str) -> str:
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _ics_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> list[str]:
    """Lines longer than 75 octets are folded (a CRLF and a space), not inside a character."""
    out, current = [], ""
    for char in line:
        limit = 75 if not out else 74
        if len((current + char).encode()) > limit:
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return [out[0], *(" " + part for part in out[1:])]


def ics(unit, events, host: str, url_for) -> str:
    """The unit's calendar as iCalendar text; `url_for(event)` gives the event's page."""
    stamp = _ics_time(timezone.now())
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Ratusz//Kalendarz wydarzen//PL",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             f"X-WR-CALNAME:{_ics_text(UNSAFE.sub('', unit.name))}"]
    for event in events:
        if not _writable(event):
            continue
        ends = event.ends_at or event.starts_at + timedelta(hours=1)
        lines += ["BEGIN:VEVENT", f"UID:event-{event.pk}@{host}", f"DTSTAMP:{stamp}",
                  f"DTSTART:{_ics_time(event.starts_at)}", f"DTEND:{_ics_time(ends)}",
                  f"SUMMARY:{_ics_text(event.title)}"]
        if event.place:
            lines.append(f"LOCATION:{_ics_text(event.place)}")
        text = strip_tags(event.description).strip()
        if text:
            lines.append(f"DESCRIPTION:{_ics_text(text)}")
        lines += [f"URL:{url_for(event)}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(part + "\r\n" for line in lines for part in _fold(line))

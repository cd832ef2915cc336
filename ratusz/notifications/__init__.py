"""Resident notifications (issue 6) — in progress: so far the SMS text rules."""

"""Absolute addresses for what leaves the browser: e-mails, SMS, PDFs, feeds.

A link printed on paper or sent by e-mail must work from anywhere, so it is built from the
URL's name and the platform's public address (`RATUSZ_PUBLIC_URL`), never from the host a
request happened to arrive on."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse


def public_base_url() -> str:
    return settings.RATUSZ_PUBLIC_URL.rstrip("/")


def public_url(viewname: str, *args, query: str = "", **kwargs) -> str:
    """`https://…/path` of the named URL (positional or keyword arguments, as `reverse`)."""
    path = reverse(viewname, args=args or None, kwargs=kwargs or None)
    return f"{public_base_url()}{path}{'?' + query if query else ''}"

"""The e-office's addresses as printed on a receipt or sent in an e-mail: absolute, built
from the URL's name and the platform's public address (`ratusz.core.links.public_url`),
never from the host a request happened to come to."""

from __future__ import annotations

from urllib.parse import urlencode

from ratusz.core.links import public_url


def status_url(submission) -> str:
    """The status check, with the case mark of the submission filled in (the code from
    the receipt is typed: it is what proves the person may see the status)."""
    return public_url("eservices:status", submission.municipality.slug,
                      query=urlencode({"znak": submission.case.mark}))


def verify_url(municipality) -> str:
    """The page where anyone checks a receipt's seal."""
    return public_url("eservices:verify", municipality.slug)


def matter_url(submission) -> str:
    """The resident's own page of the matter (sign-in needed)."""
    return public_url("eservices:matter", submission.municipality.slug, submission.public_id)

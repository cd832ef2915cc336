"""The images of the BIP entries' texts, at /g/<slug>/bip/obraz/<id>/.

An image is uploaded through the editor's image button (``services.add_image``) and kept
as an attachment of its entry marked as an image of the text. Anyone may see the images of
a readable entry (published and due, expired, or withdrawn: the change register keeps
showing them in the archived versions); the images of a draft, of an entry awaiting
approval or of one not yet due are seen only by the editors who may edit that entry (the
editor's preview). Everyone else gets the same 404 as for a missing image.

The stored bytes of an image never change (a new upload is a new image), so a public image
is cached for a year; an editor-only one is cached by the editor's browser only. Images are
not counted as downloads and are not served through the page cache.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from ratusz.accounts.permissions import Permission
from ratusz.bulletin import selectors
from ratusz.bulletin.models import Attachment, served_content_type
from ratusz.bulletin.scope import unit_scope
from ratusz.bulletin.views import stored_file

PUBLIC_MAX_AGE = 365 * 24 * 3600
EDITOR_MAX_AGE = 3600


def _may_edit(request: HttpRequest, attachment: Attachment) -> bool:
    """The signed-in staff member may edit the image's entry (bip.edit in its unit)."""
    return request.user.is_authenticated and selectors.in_scope(
        unit_scope(request, Permission.EDIT_BIP), attachment.entry.site.unit_id)


@require_safe
def image(request: HttpRequest, municipality_slug: str, attachment_id: int
          ) -> HttpResponseBase:
    found = selectors.inline_image(request.municipality, attachment_id)
    if found is None:
        raise Http404
    public = selectors.readable_entry(request.municipality, found.entry_id) is not None
    if not public and not _may_edit(request, found):
        raise Http404
    etag = f'"{found.sha256}"'
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponseBase = HttpResponse(status=304)
    else:
        response = stored_file(found, as_attachment=False,
                               content_type=served_content_type(found))
        if response is None:
            raise Http404
    response["ETag"] = etag
    response["X-Content-Type-Options"] = "nosniff"
    # Nothing in an image may run or embed anything, whatever a browser thinks it is.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if public:
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE, immutable=True)
    else:
        patch_cache_control(response, private=True, max_age=EDITOR_MAX_AGE)
        response["Vary"] = "Cookie"
    return response

"""Removing an attachment of a BIP entry (a new version when it is published) and the
images of the entries' texts: upload (checked by their bytes, re-encoded without metadata,
scaled down), the public address /bip/obraz/<id>/, who may see a draft's image, and the
sanitiser that keeps only the gmina's own images."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from ratusz.accounts.permissions import Role
from ratusz.bulletin import selectors, services
from ratusz.bulletin.models import Attachment, ChangeKind, Entry, EntryState, EntryVersion
from ratusz.bulletin.services import BulletinError, EntryData, media
from ratusz.bulletin.tests.conftest import PDF
from ratusz.core.models import AuditAction, AuditLog
from ratusz.core.tests.factories import DepartmentFactory

# --- helpers ---------------------------------------------------------------------------------


def image_bytes(fmt: str = "PNG", size=(320, 200), mode: str = "RGB", **save) -> bytes:
    output = io.BytesIO()
    colour = {"RGB": (30, 110, 60), "RGBA": (30, 110, 60, 128), "L": 90, "1": 1}[mode]
    Image.new(mode, size, colour).save(output, fmt, **save)
    return output.getvalue()


def jpeg_with_exif(size=(400, 300), orientation: int | None = None) -> bytes:
    """A JPEG carrying a camera, a GPS position and (optionally) an orientation."""
    exif = Image.Exif()
    exif[0x010F] = "Aparat Sp. z o.o."  # Make
    exif[0x0110] = "Model X"  # Model
    if orientation:
        exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (51.0, 14.0, 30.0), 3: "E", 4: (22.0, 30.0, 15.0)})
    return image_bytes("JPEG", size, exif=exif.tobytes())


def stored_image(attachment: Attachment) -> Image.Image:
    with attachment.file.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


def entry_data(title="Ogłoszenie o przetargu", body="<p>Treść.</p>") -> EntryData:
    return EntryData(title=title, body=body, produced_by="Referat Organizacyjny",
                     responsible="Anna Kowalska, Redaktor BIP",
                     produced_on=timezone.localdate() - timedelta(days=1))


def draft(site, editor, **fields) -> Entry:
    return services.create_entry(site.sections.get(slug="ogloszenia"), entry_data(**fields),
                                 acting_user=editor)


def published(site, editor, **fields) -> Entry:
    return services.submit_entry(draft(site, editor, **fields), acting_user=editor)


def attach(entry, editor, name="ogloszenie.pdf") -> Attachment:
    return services.add_attachment(entry, name=name, data=PDF, acting_user=editor)


def state():
    """The BIP's rows and the audit trail (sign-ins, which tests make, aside)."""
    audit = AuditLog.objects.exclude(action__in=[AuditAction.SIGNED_IN, AuditAction.SIGNED_OUT])
    return (Entry.objects.count(), EntryVersion.objects.count(), Attachment.objects.count(),
            audit.count(), sorted(Attachment.objects.values_list("pk", "removed_at")))


def stored_files() -> set[str]:
    folders, files = set(), set()
    pending = ["bip"]
    while pending:
        folder = pending.pop()
        if not default_storage.exists(folder):
            continue
        subfolders, names = default_storage.listdir(folder)
        pending += [f"{folder}/{name}" for name in subfolders if f"{folder}/{name}" not in folders]
        folders.update(f"{folder}/{name}" for name in subfolders)
        files.update(f"{folder}/{name}" for name in names)
    return files


def staff_url(name, *args):
    return reverse(f"bip-staff:{name}", args=["alfa", *args])


def image_url(attachment, slug="alfa"):
    return reverse("bip:image", args=[slug, attachment.pk])


@pytest.fixture
def site(bip_site_a):
    return bip_site_a


@pytest.fixture
def editor(bip_editor_a):
    return bip_editor_a


@pytest.fixture
def school_editor(make_staff, municipality_a, bip_school_site_a):
    """Edits only the school's BIP (a head of the school's department)."""
    department = DepartmentFactory(municipality=municipality_a, unit=bip_school_site_a.unit,
                                   symbol="SP", name="Sekretariat szkoły")
    return make_staff(municipality_a, Role.HEAD, department=department,
                      username="alfa.dyrektor")


# --- removing an attachment ------------------------------------------------------------------

def test_removing_an_attachment_of_a_draft_only_marks_it(site, editor):
    entry = draft(site, editor)
    kept, removed = attach(entry, editor, "a.pdf"), attach(entry, editor, "b.pdf")
    audits = AuditLog.objects.count()

    services.remove_attachment(removed, acting_user=editor, reason="")

    removed.refresh_from_db()
    assert removed.removed_at is not None
    assert selectors.live_attachments(entry) == [kept]
    assert selectors.removed_attachments(entry) == [removed]
    assert EntryVersion.objects.filter(entry=entry).count() == 0
    assert default_storage.exists(removed.file.name)  # the file stays stored
    assert AuditLog.objects.count() == audits + 1
    audit = AuditLog.objects.latest("pk")
    assert (audit.object_type, audit.object_id) == ("bulletin.attachment", str(removed.pk))


def test_removing_an_attachment_of_a_published_entry_needs_a_reason(site, editor):
    entry = draft(site, editor)
    attachment = attach(entry, editor)
    entry = services.submit_entry(entry, acting_user=editor)
    before = state()

    for reason in ("", "   "):
        with pytest.raises(BulletinError) as caught:
            services.remove_attachment(attachment, acting_user=editor, reason=reason)
        assert caught.value.code == "reason_required" and caught.value.field == "reason"
        assert "reason" in caught.value.message or "powód" in caught.value.message

    assert state() == before


def test_removing_an_attachment_of_a_published_entry_makes_a_new_version(site, editor, client):
    entry = draft(site, editor)
    kept, removed = attach(entry, editor, "uchwala.pdf"), attach(entry, editor, "zalacznik.pdf")
    entry = services.submit_entry(entry, acting_user=editor)
    assert entry.versions.get().metadata["attachments"] == ["uchwala.pdf", "zalacznik.pdf"]

    services.remove_attachment(removed, acting_user=editor, reason="Błędny załącznik")

    entry.refresh_from_db()
    assert entry.version == 2
    first, second = entry.versions.order_by("number")
    assert (second.kind, second.reason) == (ChangeKind.EDITED, "Błędny załącznik")
    assert second.metadata["attachments"] == ["uchwala.pdf"]
    assert second.metadata["attachment_ids"] == [kept.pk]
    assert first.metadata["attachments"] == ["uchwala.pdf", "zalacznik.pdf"]  # unchanged
    assert selectors.metadata_changes(first.metadata, second.metadata) == [
        {"key": "attachments", "before": "uchwala.pdf, zalacznik.pdf", "after": "uchwala.pdf"}]
    # The current page lists only the kept file; the removed one still downloads (the
    # change register's earlier version lists it).
    page = client.get(reverse("bip:entry", args=["alfa", entry.pk])).content.decode()
    assert "uchwala.pdf" in page and "zalacznik.pdf" not in page
    download = client.get(reverse("bip:attachment", args=["alfa", removed.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    # The archived first version links both files and marks the removed one.
    archived = client.get(reverse("bip:version", args=["alfa", entry.pk, 1])).content.decode()
    link = reverse("bip:attachment", args=["alfa", removed.pk])
    assert f'href="{link}"' in archived and "usunięty z wpisu" in archived
    current = client.get(reverse("bip:version", args=["alfa", entry.pk, 2])).content.decode()
    assert f'href="{link}"' not in current


def test_an_attachment_is_removed_once_and_never_from_a_withdrawn_entry(site, editor):
    entry = draft(site, editor)
    first, second = attach(entry, editor, "a.pdf"), attach(entry, editor, "b.pdf")
    entry = services.submit_entry(entry, acting_user=editor)
    services.remove_attachment(first, acting_user=editor, reason="Nieaktualny")
    with pytest.raises(BulletinError) as caught:
        services.remove_attachment(first, acting_user=editor, reason="Znowu")
    assert caught.value.code == "already_removed"
    services.withdraw_entry(entry, acting_user=editor, reason="Uchylona")
    before = state()
    with pytest.raises(BulletinError) as caught:
        services.remove_attachment(second, acting_user=editor, reason="Po wycofaniu")
    assert caught.value.code == "withdrawn"
    assert state() == before


# --- removing through the editor's page -------------------------------------------------------

def test_the_editor_removes_an_attachment_of_a_draft(client, site, editor):
    entry = draft(site, editor)
    attachment = attach(entry, editor)
    client.force_login(editor)
    page = client.get(staff_url("entry-edit", entry.pk)).content.decode()
    assert 'name="action" value="remove-attachment"' in page
    assert f'name="attachment" value="{attachment.pk}"' in page
    assert 'name="remove_reason"' not in page  # a draft needs no reason

    response = client.post(staff_url("entry-edit", entry.pk),
                           {"action": "remove-attachment", "attachment": attachment.pk})

    assert response.status_code == 302
    attachment.refresh_from_db()
    assert attachment.removed_at is not None


def test_the_editor_must_give_a_reason_on_a_published_entry(client, site, editor):
    entry = draft(site, editor)
    attachment = attach(entry, editor)
    entry = services.submit_entry(entry, acting_user=editor)
    client.force_login(editor)
    before = state()

    refused = client.post(staff_url("entry-edit", entry.pk),
                          {"action": "remove-attachment", "attachment": attachment.pk,
                           "remove_reason": " "})

    assert refused.status_code == 400
    html = refused.content.decode()
    assert "error-summary" in html and f'href="#remove-reason-{attachment.pk}"' in html
    assert f'id="remove-reason-{attachment.pk}_error"' in html
    assert state() == before

    done = client.post(staff_url("entry-edit", entry.pk),
                       {"action": "remove-attachment", "attachment": attachment.pk,
                        "remove_reason": "Plik zastąpiony nowszym"})
    assert done.status_code == 302
    assert entry.versions.latest("number").reason == "Plik zastąpiony nowszym"


def test_an_editor_of_another_unit_cannot_remove_an_attachment(client, site, editor,
                                                               school_editor):
    entry = draft(site, editor)
    attachment = attach(entry, editor)
    client.force_login(school_editor)
    before = state()
    response = client.post(staff_url("entry-edit", entry.pk),
                           {"action": "remove-attachment", "attachment": attachment.pk})
    assert response.status_code == 404
    assert state() == before


def test_an_attachment_of_another_entry_is_not_found(client, site, editor):
    entry, other = draft(site, editor), draft(site, editor, title="Inny wpis")
    attachment = attach(other, editor)
    client.force_login(editor)
    response = client.post(staff_url("entry-edit", entry.pk),
                           {"action": "remove-attachment", "attachment": attachment.pk})
    assert response.status_code == 404
    attachment.refresh_from_db()
    assert attachment.removed_at is None


# --- images: the service ---------------------------------------------------------------------

@pytest.mark.parametrize(("fmt", "mode", "content_type", "extension"), [
    ("PNG", "RGBA", "image/png", "png"),
    ("JPEG", "RGB", "image/jpeg", "jpg"),
    ("WEBP", "RGB", "image/webp", "webp"),
])
def test_an_image_is_accepted_and_kept_apart_from_the_documents(site, editor, fmt, mode,
                                                                content_type, extension):
    entry = draft(site, editor)
    document = attach(entry, editor)

    stored = services.add_image(entry, name=f"Mapa terenu.{fmt.lower()}",
                                data=image_bytes(fmt, mode=mode), acting_user=editor)

    attachment = stored.attachment
    assert (stored.width, stored.height) == (320, 200)
    assert attachment.name == f"Mapa terenu.{extension}"
    assert services.is_inline_image(attachment)
    assert services.served_content_type(attachment) == content_type
    assert stored_image(attachment).format == fmt
    if mode == "RGBA":
        assert stored_image(attachment).mode == "RGBA"  # transparency kept
    audit = AuditLog.objects.latest("pk")
    assert audit.object_id == str(attachment.pk) and audit.after["width"] == 320
    # Not a downloadable attachment: not listed, not in a version's metadata.
    assert selectors.live_attachments(entry) == [document]
    entry = services.submit_entry(entry, acting_user=editor)
    assert entry.versions.get().metadata["attachments"] == ["ogloszenie.pdf"]


def test_an_image_is_not_a_download(client, site, editor):
    entry = published(site, editor)
    image = services.add_image(entry, name="plan.png", data=image_bytes(),
                               acting_user=editor).attachment
    assert client.get(reverse("bip:attachment", args=["alfa", image.pk])).status_code == 404
    assert client.get(image_url(image)).status_code == 200
    image.refresh_from_db()
    assert image.downloads == 0


@pytest.mark.parametrize(("name", "data", "code"), [
    ("uchwala.png", PDF, "image_type"),
    ("notatka.png", "Zwykły tekst, nie obraz.\n".encode(), "image_type"),
    ("animacja.gif", image_bytes("GIF"), "image_type"),
    ("pusty.png", b"", "empty_file"),
    ("ogromny.png", image_bytes("PNG") + b"\0" * (10 * 1024 * 1024), "image_too_big"),
    ("panorama.png", image_bytes("PNG", (8000, 5001), mode="1"), "image_too_large"),
])
def test_a_refused_image_leaves_no_file_and_no_row(site, editor, name, data, code):
    entry = draft(site, editor)
    before, files = state(), stored_files()

    with pytest.raises(BulletinError) as caught:
        services.add_image(entry, name=name, data=data, acting_user=editor)

    assert caught.value.code == code and caught.value.field == "image"
    assert caught.value.message
    assert state() == before and stored_files() == files


def test_a_failed_write_removes_the_stored_file(site, editor, monkeypatch):
    entry = draft(site, editor)
    before, files = state(), stored_files()

    def broken(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(media, "record_audit", broken)
    with pytest.raises(RuntimeError):
        services.add_image(entry, name="a.png", data=image_bytes(), acting_user=editor)
    assert state() == before and stored_files() == files


def test_the_metadata_of_a_photo_is_removed(site, editor):
    entry = draft(site, editor)
    original = Image.open(io.BytesIO(jpeg_with_exif()))
    assert original.getexif()[0x010F] == "Aparat Sp. z o.o."
    assert original.getexif().get_ifd(0x8825)  # the GPS position is there

    stored = services.add_image(entry, name="zdjecie.jpg", data=jpeg_with_exif(),
                                acting_user=editor)

    image = stored_image(stored.attachment)
    assert "exif" not in image.info
    assert dict(image.getexif()) == {}
    assert not image.getexif().get_ifd(0x8825)
    with stored.attachment.file.open("rb") as handle:
        data = handle.read()
    assert b"Aparat" not in data and b"Exif" not in data


def test_a_photo_is_turned_upright_by_its_orientation(site, editor):
    entry = draft(site, editor)
    stored = services.add_image(entry, name="pion.jpg",
                                data=jpeg_with_exif((400, 300), orientation=6),
                                acting_user=editor)
    assert (stored.width, stored.height) == (300, 400)
    assert stored_image(stored.attachment).size == (300, 400)


@pytest.mark.parametrize(("size", "expected"), [
    ((3000, 1500), (2000, 1000)), ((1200, 4000), (600, 2000)), ((2000, 800), (2000, 800)),
])
def test_a_large_image_is_scaled_down_to_2000_px(site, editor, size, expected):
    entry = draft(site, editor)
    stored = services.add_image(entry, name="plan.png", data=image_bytes("PNG", size),
                                acting_user=editor)
    assert (stored.width, stored.height) == expected
    assert stored_image(stored.attachment).size == expected


def test_no_image_is_added_to_a_withdrawn_entry(site, editor):
    entry = published(site, editor)
    services.withdraw_entry(entry, acting_user=editor, reason="Nieaktualne")
    before, files = state(), stored_files()
    with pytest.raises(BulletinError) as caught:
        services.add_image(entry, name="a.png", data=image_bytes(), acting_user=editor)
    assert caught.value.code == "withdrawn"
    assert state() == before and stored_files() == files


# --- images: the sanitiser -------------------------------------------------------------------

def test_the_sanitiser_keeps_own_images_and_drops_every_other():
    own = '<img src="/g/alfa/bip/obraz/12/" alt="Mapa">'
    html = services.sanitise(
        own + '<img src="https://example.org/x.png" alt="Zdalny">'
        '<img src="/g/beta/bip/obraz/12/" alt="Innej gminy">'
        '<img src="/static/bulletin/bip-logo.svg" alt="Logo">'
        '<img src="/g/alfa/bip/obraz/12/?x=1" alt="Z parametrem">'
        '<img src="data:image/png;base64,AAAA" alt="Wklejony">'
        '<p>Tekst</p>', own_images_of="alfa")
    assert html == own + "<p>Tekst</p>"
    # Without a gmina (the units' websites) images are kept as before.
    assert "example.org" in services.sanitise('<img src="https://example.org/x.png" alt="x">')


def test_an_entry_keeps_its_own_image_and_loses_a_remote_one(site, editor):
    entry = draft(site, editor)
    stored = services.add_image(entry, name="a.png", data=image_bytes(), acting_user=editor)
    own = f'<img src="{image_url(stored.attachment)}" alt="Plan sieci">'
    entry = services.update_entry(entry, entry_data(
        body=f'<p>Plan:</p>{own}<img src="https://example.org/y.png" alt="Zdalny">'),
        acting_user=editor)
    assert entry.body == f"<p>Plan:</p>{own}"


def test_an_own_image_without_alt_is_still_refused(site, editor):
    entry = draft(site, editor)
    stored = services.add_image(entry, name="a.png", data=image_bytes(), acting_user=editor)
    for body in (f'<img src="{image_url(stored.attachment)}">',
                 '<img src="https://example.org/y.png">'):
        with pytest.raises(BulletinError) as caught:
            services.update_entry(entry, entry_data(body=body), acting_user=editor)
        assert caught.value.field == "body"


# --- images: the upload endpoint -------------------------------------------------------------

def upload(client, entry, data, name="mapa.png", content_type="image/png"):
    return client.post(staff_url("image-upload", entry.pk),
                       {"image": SimpleUploadedFile(name, data, content_type)})


def test_the_editor_uploads_an_image(client, site, editor):
    entry = draft(site, editor)
    client.force_login(editor)
    response = upload(client, entry, image_bytes())
    assert response.status_code == 201
    attachment = Attachment.objects.get(entry=entry)
    assert response.json() == {"url": f"/g/alfa/bip/obraz/{attachment.pk}/", "width": 320,
                               "height": 200, "name": "mapa.png"}
    page = client.get(staff_url("entry-edit", entry.pk)).content.decode()
    assert f'data-image-upload-url="{staff_url("image-upload", entry.pk)}"' in page
    assert "mapa.png" not in page  # not among the attachments


def test_a_refused_upload_answers_the_reason_and_stores_nothing(client, site, editor):
    entry = draft(site, editor)
    client.force_login(editor)
    before, files = state(), stored_files()
    response = upload(client, entry, PDF, name="uchwala.png")
    assert response.status_code == 400
    assert "uchwala.png" in response.json()["error"]
    missing = client.post(staff_url("image-upload", entry.pk), {})
    assert missing.status_code == 400 and missing.json()["error"]
    assert state() == before and stored_files() == files


def test_the_upload_needs_the_editor_of_the_unit(client, site, editor, school_editor,
                                                 make_staff, municipality_a, resident):
    entry = draft(site, editor)
    before, files = state(), stored_files()
    # Anonymous: to the sign-in page.
    response = upload(client, entry, image_bytes())
    assert response.status_code == 302 and response["Location"].startswith("/auth/login/")
    # An editor of another unit and a resident: 404; a case officer without bip.edit is
    # told in the workspace the page is not theirs (403). Nothing stored either way.
    officer = make_staff(municipality_a, Role.CASE_OFFICER, username="alfa.referent")
    for user, status in ((school_editor, 404), (officer, 403), (resident, 404)):
        client.force_login(user)
        assert upload(client, entry, image_bytes()).status_code == status, user
    client.force_login(editor)
    assert client.get(staff_url("image-upload", entry.pk)).status_code == 405
    assert state() == before and stored_files() == files


def test_the_upload_checks_the_csrf_token(site, editor):
    from django.test import Client

    entry = draft(site, editor)
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    before = state()
    assert upload(client, entry, image_bytes()).status_code == 403
    assert state() == before


def test_a_new_entry_page_asks_to_save_the_draft_first(client, site, editor):
    client.force_login(editor)
    page = client.get(staff_url("entry-new", site.pk)).content.decode()
    assert 'data-image-mode="upload"' in page
    assert "data-image-upload-url" not in page and "data-image-save-first" in page


# --- images: the public address --------------------------------------------------------------

def test_the_image_of_a_published_entry_is_public(client, site, editor):
    entry = draft(site, editor)
    stored = services.add_image(entry, name="a.png", data=image_bytes(), acting_user=editor)
    services.submit_entry(entry, acting_user=editor)

    response = client.get(image_url(stored.attachment))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert "public" in response["Cache-Control"] and "immutable" in response["Cache-Control"]
    assert "max-age=31536000" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == stored.attachment.file.open("rb").read()
    again = client.get(image_url(stored.attachment), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    # Images are not counted as downloads.
    stored.attachment.refresh_from_db()
    assert stored.attachment.downloads == 0
    assert client.head(image_url(stored.attachment)).status_code == 200


def test_the_image_of_a_withdrawn_entry_stays_public(client, site, editor):
    entry = draft(site, editor)
    stored = services.add_image(entry, name="a.png", data=image_bytes(), acting_user=editor)
    entry = services.submit_entry(entry, acting_user=editor)
    services.withdraw_entry(entry, acting_user=editor, reason="Uchylone")
    assert client.get(image_url(stored.attachment)).status_code == 200


def test_the_image_of_a_draft_is_seen_by_its_editors_only(client, site, editor, school_editor,
                                                          make_staff, municipality_b):
    entry = draft(site, editor)
    stored = services.add_image(entry, name="a.png", data=image_bytes(), acting_user=editor)
    address = image_url(stored.attachment)

    assert client.get(address).status_code == 404  # anonymous
    client.force_login(school_editor)
    assert client.get(address).status_code == 404  # another unit's editor
    client.force_login(make_staff(municipality_b, Role.SECRETARY, username="beta.sekretarz"))
    assert client.get(address).status_code == 404  # another gmina
    client.force_login(editor)
    response = client.get(address)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "private" in response["Cache-Control"]


def test_an_image_is_not_found_through_another_gmina_or_as_a_document(client, site, editor,
                                                                      municipality_b):
    entry = published(site, editor)
    stored = services.add_image(entry, name="a.png", data=image_bytes(), acting_user=editor)
    document = attach(entry, editor)
    assert client.get(image_url(stored.attachment, "beta")).status_code == 404
    assert client.get(reverse("bip:image", args=["alfa", document.pk])).status_code == 404
    assert client.get(reverse("bip:image", args=["alfa", 999999])).status_code == 404
    assert client.post(image_url(stored.attachment)).status_code == 405


def test_the_public_entry_shows_the_image_and_lists_only_documents(client, site, editor):
    entry = draft(site, editor)
    attach(entry, editor, "regulamin.pdf")
    stored = services.add_image(entry, name="plan.png", data=image_bytes(), acting_user=editor)
    own = f'<img src="{image_url(stored.attachment)}" alt="Plan sieci" width="320" height="200">'
    entry = services.update_entry(entry, entry_data(body=f"<p>Plan:</p>{own}"),
                                  acting_user=editor)
    entry = services.submit_entry(entry, acting_user=editor)
    assert entry.state == EntryState.PUBLISHED
    page = client.get(reverse("bip:entry", args=["alfa", entry.pk])).content.decode()
    assert own in page
    assert "regulamin.pdf" in page and "plan.png" not in page
    assert reverse("bip:attachment", args=["alfa", stored.attachment.pk]) not in page


def test_images_of_the_text_are_not_in_the_open_data_exports(client, site, editor):
    from ratusz.bulletin.models import Section

    section = Section.objects.get(site=site, slug="uchwaly")
    entry = services.create_entry(section, entry_data("Uchwała nr 1"), acting_user=editor)
    document = attach(entry, editor)
    services.add_image(entry, name="plan.png", data=image_bytes(), acting_user=editor)
    services.submit_entry(entry, acting_user=editor)
    exported = client.get(reverse("bip:export", args=["alfa", "uchwaly", "json"])).json()
    (row,) = [row for row in exported["entries"] if row["id"] == entry.pk]
    assert [a["name"] for a in row["attachments"]] == [document.name]

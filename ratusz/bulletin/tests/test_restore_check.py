"""The check a restore runs for the BIP (registered with ratusz.core.backup as "bip"):
every entry's change register numbered 1 … its version, every attachment's file there with
its recorded size."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from ratusz.bulletin import selectors, services
from ratusz.bulletin.models import Attachment, Entry, EntryVersion
from ratusz.bulletin.tests.conftest import PDF
from ratusz.core import backup

pytestmark = pytest.mark.django_db


def test_the_check_is_registered():
    assert backup._CHECKS["bip"] is selectors.restore_problems


def test_a_sound_bip_has_no_problem(bip_world):
    services.add_attachment(bip_world.resolution, name="budzet.pdf", data=PDF,
                            acting_user=bip_world.editor)
    services.update_entry(bip_world.announcement, _same(bip_world.announcement),
                          acting_user=bip_world.editor, reason="Poprawka")
    services.withdraw_entry(bip_world.resolution, acting_user=bip_world.editor,
                            reason="Omyłka")
    assert selectors.restore_problems() == []


def _same(entry: Entry) -> services.EntryData:
    return services.EntryData(title=entry.title + " (poprawione)", body=entry.body,
                              produced_by=entry.produced_by, responsible=entry.responsible,
                              produced_on=entry.produced_on)


def test_a_missing_version_is_found(bip_world):
    entry = bip_world.announcement
    services.update_entry(entry, _same(entry), acting_user=bip_world.editor)
    # A restore that lost version 1 of the entry (deleted past the model's guard).
    EntryVersion.objects.filter(entry=entry, number=1)._raw_delete(EntryVersion.objects.db)
    problems = selectors.restore_problems()
    assert len(problems) == 1 and f"entry {entry.pk}" in problems[0]


def test_a_published_entry_without_its_register_is_found(bip_world):
    entry = bip_world.school_news
    EntryVersion.objects.filter(entry=entry)._raw_delete(EntryVersion.objects.db)
    Entry.objects.filter(pk=entry.pk).update(version=0)
    assert selectors.restore_problems() == [
        f"entry {entry.pk} is published without a version"]


def test_a_missing_or_truncated_file_is_found(bip_world):
    kept = services.add_attachment(bip_world.resolution, name="a.pdf", data=PDF,
                                   acting_user=bip_world.editor)
    lost = services.add_attachment(bip_world.resolution, name="b.pdf", data=PDF,
                                   acting_user=bip_world.editor)
    cut = services.add_attachment(bip_world.resolution, name="c.pdf", data=PDF,
                                  acting_user=bip_world.editor)
    default_storage.delete(lost.file.name)
    Attachment.objects.filter(pk=cut.pk).update(size=cut.size + 1)
    problems = selectors.restore_problems()
    assert len(problems) == 2
    assert f"attachment {lost.pk}" in problems[0] and "missing" in problems[0]
    assert f"attachment {cut.pk}" in problems[1]
    assert all(f"attachment {kept.pk}:" not in problem for problem in problems)

"""The workspace's dashboard shows a BIP approver the entries waiting for them (issue 23,
item 12), only where a BIP they approve for has the approval step; an editor who may not
approve is told so in the workspace's layout when they try."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ratusz.accounts.workspace import waiting_work
from ratusz.bulletin import services
from ratusz.bulletin.models import EntryState
from ratusz.bulletin.services import EntryData
from ratusz.bulletin.tests.test_staff import (  # noqa: F401 - fixtures
    clerk,
    office,
    secretary,
    site,
    url,
)

pytestmark = pytest.mark.django_db


def submitted(site, user, title):
    entry = services.create_entry(
        site.sections.get(slug="ogloszenia"), EntryData(
            title=title, body="<p>Treść.</p>", produced_by="OR", responsible="Anna Kowalczyk",
            produced_on=timezone.localdate()), acting_user=user)
    return services.submit_entry(entry, acting_user=user)


def bip_work(user, municipality, **options):
    return [work for work in waiting_work(user, municipality, **options)
            if work.key == "bip-approvals"]


def test_the_approver_sees_the_entries_waiting_for_them_but_not_their_own(
        client, site, clerk, secretary, municipality_a):
    site.requires_approval = True
    site.save(update_fields=["requires_approval"])
    entry = submitted(site, clerk, "Ogłoszenie o naborze")
    submitted(site, secretary, "Własne ogłoszenie")
    assert entry.state == EntryState.AWAITING

    [work] = bip_work(secretary, municipality_a, detailed=True)

    assert work.count == 1
    assert [item.label for item in work.items] == ["Ogłoszenie o naborze"]
    assert work.items[0].url == url("entry-edit", entry.pk)
    assert "Anna Kowalczyk" in work.items[0].detail
    client.force_login(secretary)
    dashboard = client.get("/g/alfa/staff/").content.decode()
    assert 'id="waiting-bip-approvals"' in dashboard and "Ogłoszenie o naborze" in dashboard


def test_without_the_approval_step_or_the_right_there_is_nothing_to_show(
        site, clerk, secretary, municipality_a):
    assert bip_work(secretary, municipality_a) == []  # no BIP needs approval
    site.requires_approval = True
    site.save(update_fields=["requires_approval"])
    submitted(site, secretary, "Ogłoszenie")
    assert bip_work(clerk, municipality_a) == []  # edits, does not approve


def test_an_editor_who_may_not_approve_is_told_so_in_the_workspace(client, site, clerk,
                                                                  secretary):
    site.requires_approval = True
    site.save(update_fields=["requires_approval"])
    entry = submitted(site, secretary, "Ogłoszenie")
    client.force_login(clerk)

    answer = client.post(url("entry-edit", entry.pk), {"action": "approve"})

    assert answer.status_code == 403
    assert 'class="sidebar"' in answer.content.decode()
    entry.refresh_from_db()
    assert entry.state == EntryState.AWAITING

"""Objects of the reports app that its URLs name, for the isolation walk
(tests/test_isolation.py): a partnership the gmina was invited to (its membership), and
the names of an export. Case, unit and submission ids come from the other apps' worlds."""

from ratusz.reports import services


def build(*, municipality, department, staff, resident, label) -> dict:
    partnership = services.create_partnership(acting_user=None, name=f"Partnerstwo {label}",
                                              slug=f"partnerstwo-{label}",
                                              members=[municipality])
    member = partnership.members.get(municipality=municipality)
    return {"values": {"partnership_slug": partnership.slug, "member_id": member.pk,
                       "table": "wskazniki", "file_format": "csv"},
            "overrides": {}}

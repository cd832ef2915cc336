"""Writes of the BIPs themselves: a unit's site with the typical subject menu (also for a
unit just added, on core's `unit_created`), its mandatory elements, and the sections of
its menu. Every change is audited."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ratusz.bulletin.defaults import site_values, typical_menu, typical_section
from ratusz.bulletin.models import Section, Site
from ratusz.bulletin.services.checks import MAX_INSTRUCTIONS, check_texts
from ratusz.bulletin.services.errors import BulletinError, raise_invalid
from ratusz.core.models import AuditAction, Municipality, Unit
from ratusz.core.services import record_audit
from ratusz.core.tenancy import tenant_context

#: The mandatory elements of a site that its editors change (the staff form's fields).
SITE_FIELDS = ("title", "editorial_address", "editor_name", "editor_phone", "editor_email",
               "instructions", "requires_approval")
#: The longest text each of them takes (the model's lengths; the instructions' own).
SITE_LIMITS = {"title": 200, "editorial_address": 300, "editor_name": 200,
               "editor_phone": 40, "editor_email": 254, "instructions": MAX_INSTRUCTIONS}
#: The longest title of a section of the menu.
SECTION_TITLE = 200


def ensure_site(unit: Unit, *, acting_user=None) -> Site:
    """The unit's BIP with the typical subject menu (idempotent)."""
    site = Site.objects.filter(unit=unit).first()
    if site is not None:
        return site
    with transaction.atomic(durable=True):
        return _ensure_site(unit, acting_user=acting_user)


def give_new_unit_its_site(*, unit_id: int, municipality_id: int,
                           acting_user_id: int | None = None) -> Site | None:
    """The BIP of a unit just added to a gmina (core's `unit_created`, sent after the
    unit's commit): made in its own durable transaction, from the unit as it is now (its
    name, address, e-mail), audited as the work of whoever added the unit. Nothing when
    the unit already has one, or is gone."""
    municipality = Municipality.objects.filter(pk=municipality_id).first()
    if municipality is None:
        return None
    with tenant_context(municipality):
        unit = Unit.objects.for_municipality(municipality).filter(pk=unit_id).first()
        if unit is None:
            return None
        acting_user = (get_user_model().objects.filter(pk=acting_user_id).first()
                       if acting_user_id is not None else None)
        return ensure_site(unit, acting_user=acting_user)


def _ensure_site(unit: Unit, *, acting_user=None) -> Site:
    site = Site.objects.filter(unit=unit).first()
    if site is not None:
        return site
    municipality = unit.municipality
    try:
        # A savepoint: another request may make this unit's BIP at the same moment; theirs
        # is then the site, and this transaction goes on with it.
        with transaction.atomic():
            site = Site.objects.create(municipality=municipality, unit=unit,
                                       **site_values(unit, municipality))
    except IntegrityError:
        site = Site.objects.filter(unit=unit).first()
        if site is None:
            raise
        return site
    Section.objects.bulk_create([
        Section(municipality=municipality, site=site, slug=item.slug, title=item.title,
                is_register=item.is_register, position=index)
        for index, item in enumerate(typical_menu(unit.is_office))])
    if acting_user is not None:
        record_audit(municipality=municipality, acting_user=acting_user,
                     action=AuditAction.CREATED, target=site)
    return site


@transaction.atomic(durable=True)
def update_site(site: Site, values: dict, *, acting_user) -> Site:
    """Save the site's mandatory elements (SITE_FIELDS); the audit entry keeps what
    changed. Each text within its length and free of control characters."""
    errors: list = []
    check_texts(errors, {name: (values[name], limit) for name, limit in SITE_LIMITS.items()})
    raise_invalid("invalid_site", errors)
    before = {name: getattr(site, name) for name in SITE_FIELDS}
    for name in SITE_FIELDS:
        setattr(site, name, values[name])
    site.save(update_fields=list(SITE_FIELDS))
    after = {name: getattr(site, name) for name in SITE_FIELDS}
    record_audit(municipality=site.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=site,
                 before={k: v for k, v in before.items() if after[k] != v},
                 after={k: v for k, v in after.items() if before[k] != v})
    return site


# --- the subject menu ---------------------------------------------------------------------

def _check_section_title(title: str) -> None:
    errors: list = []
    if not title.strip():
        errors.append(("title", _("Give the title.")))
    check_texts(errors, {"title": (title, SECTION_TITLE)})
    raise_invalid("invalid_section", errors)


def _next_position(site: Site) -> int:
    return (Section.objects.filter(site=site).aggregate(m=Max("position"))["m"] or 0) + 1


@transaction.atomic(durable=True)
def add_section(site: Site, *, title: str, is_register: bool, acting_user) -> Section:
    """A new section at the end of the site's menu, its address made from the title."""
    _check_section_title(title)
    base = slugify(title.replace("ł", "l").replace("Ł", "L"))[:70] or "dzial"
    slug, n = base, 2
    while Section.objects.filter(site=site, slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    section = Section.objects.create(municipality_id=site.municipality_id, site=site,
                                     slug=slug, title=title.strip(),
                                     is_register=is_register, position=_next_position(site))
    record_audit(municipality=site.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=section)
    return section


def _ensure_section(site: Site, slug: str) -> Section:
    """The site's section `slug`, added at the end of the menu (as the typical menu names
    it) when missing."""
    section = Section.objects.filter(site=site, slug=slug).first()
    if section is not None:
        return section
    typical = typical_section(slug, is_office=not site.path)
    if typical is None:
        raise ValueError(f"{slug!r} is not a section of the typical subject menus")
    section, _created = Section.objects.get_or_create(
        site=site, slug=slug, defaults={"municipality_id": site.municipality_id,
                                        "title": typical.title,
                                        "is_register": typical.is_register,
                                        "position": _next_position(site)})
    return section


@transaction.atomic(durable=True)
def rename_section(section: Section, *, title: str, acting_user) -> Section:
    _check_section_title(title)
    before = section.title
    section.title = title.strip()
    section.save(update_fields=["title"])
    record_audit(municipality=section.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=section, before={"title": before},
                 after={"title": section.title})
    return section


@transaction.atomic(durable=True)
def move_section(section: Section, *, step: int, acting_user) -> None:
    """Move a section `step` places among its siblings (nothing past either end)."""
    siblings = list(Section.objects.select_for_update().filter(
        site_id=section.site_id, parent_id=section.parent_id).order_by("position", "title"))
    index = next(i for i, s in enumerate(siblings) if s.pk == section.pk)
    other = index + step
    if not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, item in enumerate(siblings):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])
    record_audit(municipality=section.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=section,
                 after={"position": siblings.index(section) if section in siblings
                        else other})


@transaction.atomic(durable=True)
def remove_section(section: Section, *, acting_user) -> None:
    """Remove an empty section (no entries, no subsections)."""
    if section.entries.exists() or section.children.exists():
        raise BulletinError("section_not_empty", _(
            "Only an empty section can be removed: this one has entries or subsections."))
    record_audit(municipality=section.municipality, acting_user=acting_user,
                 action=AuditAction.DELETED, target=section)
    section.delete()

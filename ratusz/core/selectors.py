"""Reads of tenancy data. Every read of tenant-owned rows names its gmina."""

from __future__ import annotations

from django.db.models import QuerySet

from ratusz.core.models import Department, Municipality, Unit


def get_active_municipality_by_slug(slug: str) -> Municipality | None:
    """The active gmina with this slug, or None (unknown and inactive look the same)."""
    return Municipality.objects.filter(slug=slug, is_active=True).first()


def list_active_municipalities() -> QuerySet[Municipality]:
    return Municipality.objects.filter(is_active=True).order_by("name")


def get_municipality_by_slug(slug: str, *, include_inactive: bool = False
                             ) -> Municipality | None:
    """The gmina with this slug, or None (for commands and system work; pages use
    `get_active_municipality_by_slug`)."""
    municipalities = Municipality.objects.filter(slug=slug)
    if not include_inactive:
        municipalities = municipalities.filter(is_active=True)
    return municipalities.first()


def list_municipalities(*, include_inactive: bool = False) -> QuerySet[Municipality]:
    """Every gmina of the platform (the active ones unless asked), by slug."""
    municipalities = Municipality.objects.all()
    if not include_inactive:
        municipalities = municipalities.filter(is_active=True)
    return municipalities.order_by("slug")


def list_units(municipality: Municipality) -> QuerySet[Unit]:
    return Unit.objects.for_municipality(municipality).filter(is_active=True).order_by(
        "kind", "name"
    )


def list_departments(municipality: Municipality, *, include_inactive: bool = False
                     ) -> QuerySet[Department]:
    queryset = Department.objects.for_municipality(municipality).select_related("unit", "head")
    if not include_inactive:
        queryset = queryset.filter(is_active=True)
    return queryset.order_by("symbol")


def access_department_by_id(municipality: Municipality, department_id: int) -> Department | None:
    """A department of this gmina; another gmina's department is simply not found."""
    return Department.objects.for_municipality(municipality).filter(pk=department_id).first()


def access_unit_by_id(municipality: Municipality, unit_id: int) -> Unit | None:
    return Unit.objects.for_municipality(municipality).filter(pk=unit_id).first()


def get_unit_by_slug(municipality: Municipality, slug: str) -> Unit | None:
    """A unit of this gmina by its slug (active or not), or None."""
    return Unit.objects.for_municipality(municipality).filter(slug=slug).first()


def list_locality_names(municipality: Municipality) -> list[str]:
    """The names of the gmina's localities (miejscowości), in alphabetical order."""
    from ratusz.core.models import Locality

    return list(Locality.objects.for_municipality(municipality).order_by("name")
                .values_list("name", flat=True))

"""Writes of tenancy data and the audit trail.

`record_audit` is called inside the transaction of the change it describes, by every
service in every app; it never opens its own transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.text import slugify

from ratusz.core import events
from ratusz.core.effects import after_commit
from ratusz.core.logging import client_ip_var, request_id_var
from ratusz.core.models import (
    AuditAction,
    AuditLog,
    Department,
    Municipality,
    PersonalDataAccess,
    Unit,
)
from ratusz.core.tenancy import (
    ALL_MUNICIPALITIES,
    get_current_municipality,
    restore_database_tenant,
    set_database_tenant,
    tenant_context,
)


def actor_label(user) -> str:
    if user is None:
        return "system"
    name = user.get_full_name() or user.username
    position = getattr(user, "position", "")
    return f"{name} ({position})" if position else name


def record_audit(
    *,
    municipality: Municipality | None,
    acting_user,
    action: str,
    target: Any = None,
    object_type: str = "",
    object_id: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditLog:
    """Append one audit entry. Must run inside the caller's transaction."""
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or str(target.pk)
        object_label = str(target)[:255]
    else:
        object_label = ""
    entry = AuditLog(
        municipality=municipality,
        actor=acting_user if getattr(acting_user, "pk", None) else None,
        actor_label=actor_label(acting_user),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_label=object_label,
        before=before,
        after=after,
        request_id=request_id_var.get(),
        ip_address=client_ip_var.get(),
    )
    # Platform events (no gmina) and sign-ins happen outside any gmina's request; the
    # database shows an inserted row back to its writer only inside that row's gmina, so
    # the wall is opened for this one insert.
    current = get_current_municipality()
    if municipality is not None and current is not None and current.pk == municipality.pk:
        # The request (or task) already works inside this gmina: nothing to open.
        entry.save()
        return entry
    wanted = str(municipality.pk) if municipality is not None else ALL_MUNICIPALITIES
    previous = set_database_tenant(wanted)
    try:
        entry.save()
    finally:
        restore_database_tenant(previous)
    return entry


def snapshot(instance, fields: list[str]) -> dict:
    """The audit-friendly values of some fields (foreign keys as ids, dates as text)."""
    data = {}
    for name in fields:
        value = getattr(instance, name)
        if hasattr(value, "pk"):
            value = value.pk
        elif value is not None and not isinstance(value, bool | int | float | str | list | dict):
            value = str(value)
        data[name] = value
    return data


MUNICIPALITY_FIELDS = ["name", "official_name", "slug", "teryt", "kind", "voivodeship", "county",
                       "street", "building", "postal_code", "city", "email", "phone", "bip_url",
                       "website", "is_active"]
UNIT_FIELDS = ["name", "short_name", "slug", "kind", "street", "building", "postal_code", "city",
               "email", "is_active"]
DEPARTMENT_FIELDS = ["unit", "symbol", "name", "head", "is_active"]


@transaction.atomic(durable=True)
def create_municipality(*, acting_user, office_name: str | None = None, **fields) -> Municipality:
    """Create a gmina together with its office (urząd) unit; audited at platform level."""
    municipality = Municipality(**fields)
    municipality.full_clean()
    municipality.save()
    with tenant_context(municipality):
        office = _add_unit(
            municipality,
            acting_user=acting_user,
            name=office_name or f"Urząd Gminy {municipality.name}",
            short_name="UG",
            kind="office",
            street=municipality.street,
            building=municipality.building,
            postal_code=municipality.postal_code,
            city=municipality.city,
            email=municipality.email,
        )
    record_audit(municipality=None, acting_user=acting_user, action=AuditAction.CREATED,
                 target=municipality, after=snapshot(municipality, MUNICIPALITY_FIELDS))
    municipality.office = office
    return municipality


@transaction.atomic(durable=True)
def create_unit(municipality: Municipality, *, acting_user, **fields) -> Unit:
    """Add an organisational unit to a gmina."""
    return _add_unit(municipality, acting_user=acting_user, **fields)


def _add_unit(municipality: Municipality, *, acting_user, **fields) -> Unit:
    fields.setdefault("slug", slugify(fields.get("short_name") or fields["name"])[:80])
    unit = Unit(municipality=municipality, **fields)
    unit.full_clean()
    unit.save()
    record_audit(municipality=municipality, acting_user=acting_user, action=AuditAction.CREATED,
                 target=unit, after=snapshot(unit, UNIT_FIELDS))
    after_commit(events.unit_created.send, sender=Unit, unit_id=unit.pk,
                 municipality_id=municipality.pk,
                 acting_user_id=getattr(acting_user, "pk", None))
    return unit


class DepartmentSymbolTaken(ValueError):
    pass


@transaction.atomic(durable=True)
def create_department(municipality: Municipality, *, acting_user, unit: Unit, symbol: str,
                      name: str, head=None) -> Department:
    """Add a department (komórka organizacyjna); its symbol is unique in the gmina."""
    if unit.municipality_id != municipality.pk:
        raise ValueError("The unit belongs to another gmina")
    symbol = symbol.strip().upper()
    if Department.objects.for_municipality(municipality).filter(symbol=symbol).exists():
        raise DepartmentSymbolTaken(symbol)
    department = Department(municipality=municipality, unit=unit, symbol=symbol,
                            name=name.strip(), head=head)
    department.full_clean()
    department.save()
    record_audit(municipality=municipality, acting_user=acting_user, action=AuditAction.CREATED,
                 target=department, after=snapshot(department, DEPARTMENT_FIELDS))
    return department


@transaction.atomic(durable=True)
def update_department(department: Department, *, acting_user, **changes) -> Department:
    """Change a department's name, head, unit or activity; the symbol stays (it is in
    case marks of this year)."""
    before = snapshot(department, DEPARTMENT_FIELDS)
    for name, value in changes.items():
        if name not in {"name", "head", "unit", "is_active"}:
            raise ValueError(f"Field {name} cannot be changed")
        setattr(department, name, value)
    if department.unit.municipality_id != department.municipality_id:
        raise ValueError("The unit belongs to another gmina")
    department.full_clean()
    after = snapshot(department, DEPARTMENT_FIELDS)
    if after == before:
        return department
    department.save()
    record_audit(municipality=department.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=department, before=before, after=after)
    return department


def record_personal_data_access(*, municipality: Municipality, staff, subject=None,
                                context: str, fields: list[str], path: str = "",
                                subject_label: str = "") -> PersonalDataAccess:
    """Record (RODO) that a staff member opened a person's personal data: a resident's
    account (`subject`) or people named in a record (`subject_label`)."""
    if subject is None and not subject_label:
        raise ValueError("Say whose data was opened")
    return PersonalDataAccess.objects.create(
        municipality=municipality,
        staff=staff,
        staff_label=actor_label(staff),
        subject=subject,
        subject_label=(subject_label or (subject.get_full_name() if subject else ""))[:300],
        context=context,
        fields=fields,
        path=path[:500],
        request_id=request_id_var.get(),
    )

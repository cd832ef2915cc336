"""The audit log: written with the change, in the same transaction, and never rewritten."""

import pytest
from django.db import DatabaseError, connection, transaction

from ratusz.core import services
from ratusz.core.logging import request_id_var
from ratusz.core.models import AuditAction, AuditLog, Department, PersonalDataAccess


def test_creating_a_department_records_who_what_and_the_new_values(admin_a, municipality_a):
    office = services.create_unit(municipality_a, acting_user=admin_a, name="Urząd Gminy Alfa",
                                  kind="office")
    token = request_id_var.set("req-12345678")
    try:
        department = services.create_department(municipality_a, acting_user=admin_a,
                                                unit=office, symbol="fn", name="Referat Finansowy")
    finally:
        request_id_var.reset(token)
    entry = AuditLog.objects.get(object_type="core.department", object_id=str(department.pk))
    assert entry.municipality == municipality_a
    assert entry.actor == admin_a
    assert entry.action == AuditAction.CREATED
    assert entry.after["symbol"] == "FN"
    assert entry.after["name"] == "Referat Finansowy"
    assert entry.before is None
    assert entry.request_id == "req-12345678"


def test_an_update_records_before_and_after_and_a_no_op_records_nothing(admin_a, department_a):
    services.update_department(department_a, acting_user=admin_a, name="Referat Ogólny")
    entry = AuditLog.objects.filter(action=AuditAction.UPDATED).get()
    assert entry.before["name"] == "Referat Organizacyjny"
    assert entry.after["name"] == "Referat Ogólny"
    services.update_department(department_a, acting_user=admin_a, name="Referat Ogólny")
    assert AuditLog.objects.filter(action=AuditAction.UPDATED).count() == 1


def test_a_refused_change_leaves_neither_the_change_nor_its_audit(admin_a, department_a):
    before = AuditLog.objects.count()
    with pytest.raises(services.DepartmentSymbolTaken):
        services.create_department(department_a.municipality, acting_user=admin_a,
                                   unit=department_a.unit, symbol="or", name="Duplikat")
    assert Department.objects.filter(name="Duplikat").count() == 0
    assert AuditLog.objects.count() == before


def test_audit_is_rolled_back_with_the_change(admin_a, department_a):
    before = AuditLog.objects.count()

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        services.record_audit(municipality=department_a.municipality, acting_user=admin_a,
                              action=AuditAction.UPDATED, target=department_a)
        raise Boom
    assert AuditLog.objects.count() == before


def test_entries_cannot_be_changed_through_the_orm(admin_a, department_a):
    entry = services.record_audit(municipality=department_a.municipality, acting_user=admin_a,
                                  action=AuditAction.UPDATED, target=department_a)
    entry.actor_label = "ktoś inny"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditLog.objects.filter(pk=entry.pk).update(actor_label="ktoś inny")
    with pytest.raises(TypeError):
        AuditLog.objects.filter(pk=entry.pk).delete()


def test_the_database_refuses_to_rewrite_an_entry(admin_a, department_a):
    entry = services.record_audit(municipality=department_a.municipality, acting_user=admin_a,
                                  action=AuditAction.UPDATED, target=department_a)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditlog SET actor_label = 'x' WHERE id = %s", [entry.pk])
    assert AuditLog.objects.get(pk=entry.pk).actor_label == entry.actor_label


def test_the_database_refuses_to_delete_an_entry_on_postgresql(admin_a, department_a):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite refuses deletes in the model layer only (see rls.append_only)")
    entry = services.record_audit(municipality=department_a.municipality, acting_user=admin_a,
                                  action=AuditAction.UPDATED, target=department_a)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditlog WHERE id = %s", [entry.pk])
    assert AuditLog.objects.filter(pk=entry.pk).exists()


def test_sign_in_and_failed_sign_in_are_audited(client, admin_a):
    client.post("/auth/login/", {"username": admin_a.username, "password": "zle-haslo-123"})
    failed = AuditLog.objects.get(action=AuditAction.SIGN_IN_FAILED)
    assert failed.after == {"username": admin_a.username}
    client.post("/auth/login/", {"username": admin_a.username,
                                 "password": "correct-horse-battery-staple"})
    assert AuditLog.objects.filter(action=AuditAction.SIGNED_IN, actor=admin_a).count() == 1


def test_personal_data_access_records_are_append_only(admin_a, resident, municipality_a):
    record = services.record_personal_data_access(
        municipality=municipality_a, staff=admin_a, subject=resident, context="resident_profile",
        fields=["email"], path="/g/alfa/staff/residents/1/",
    )
    assert PersonalDataAccess.objects.get(pk=record.pk).staff_label.startswith("Jan")
    with pytest.raises(TypeError):
        record.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute("UPDATE core_personaldataaccess SET context = 'x'")


APPEND_ONLY_TABLES = ["core_auditlog", "core_personaldataaccess", "cases_caserecordentry"]


def test_every_append_only_table_still_has_its_trigger(db):
    """A migration that makes SQLite rebuild a table drops its triggers; this notices."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        triggers = {row[0] for row in cursor.fetchall()}
    assert {f"{table}_append_only" for table in APPEND_ONLY_TABLES} <= triggers

"""Row-level security on PostgreSQL: the wall that holds even when code forgets the tenant."""

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction

from ratusz.core.models import TenantOwned
from ratusz.core.tenancy import ALL_MUNICIPALITIES, set_database_tenant, tenant_context
from ratusz.core.tests.factories import LocalityFactory

pytestmark = pytest.mark.postgres_only


@pytest.fixture(autouse=True)
def _postgres_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("row-level security exists on PostgreSQL only")


def tenant_tables():
    return sorted(
        model._meta.db_table for model in apps.get_models()
        if issubclass(model, TenantOwned)
    )


def raw_municipality_ids(table):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT DISTINCT municipality_id FROM "{table}"')  # noqa: S608
        return {row[0] for row in cursor.fetchall()}


@pytest.fixture
def both_gminy(municipality_a, municipality_b, department_a, department_b):
    LocalityFactory(municipality=municipality_a)
    LocalityFactory(municipality=municipality_b)
    return municipality_a, municipality_b


def test_every_tenant_table_has_a_forced_policy():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relrowsecurity AND relforcerowsecurity "
            "AND relname = ANY(%s)", [tenant_tables()]
        )
        protected = {row[0] for row in cursor.fetchall()}
    assert protected == set(tenant_tables())
    assert "core_department" in protected


def test_the_application_role_is_subject_to_the_policies():
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False)


def test_with_gmina_a_set_a_raw_query_sees_no_row_of_b(both_gminy):
    municipality_a, municipality_b = both_gminy
    set_database_tenant(str(municipality_a.pk))
    for table in ("core_unit", "core_department", "core_locality"):
        assert raw_municipality_ids(table) == {municipality_a.pk}, table


def test_without_a_tenant_a_raw_query_sees_nothing(both_gminy):
    set_database_tenant("")
    for table in tenant_tables():
        assert raw_municipality_ids(table) == set(), table


def test_all_opens_every_gmina_for_system_work(both_gminy):
    municipality_a, municipality_b = both_gminy
    set_database_tenant(ALL_MUNICIPALITIES)
    assert raw_municipality_ids("core_department") == {municipality_a.pk, municipality_b.pk}


def test_writing_a_row_of_another_gmina_is_refused(both_gminy):
    municipality_a, municipality_b = both_gminy
    set_database_tenant(str(municipality_a.pk))
    with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
        LocalityFactory(municipality=municipality_b, name="Przemycona")


def test_updating_rows_of_another_gmina_changes_nothing(both_gminy):
    municipality_a, municipality_b = both_gminy
    with tenant_context(municipality_a), connection.cursor() as cursor:
        cursor.execute("UPDATE core_locality SET name = 'Zmieniona'")
        assert cursor.rowcount == 1
    set_database_tenant(ALL_MUNICIPALITIES)
    with connection.cursor() as cursor:
        cursor.execute("SELECT municipality_id FROM core_locality WHERE name = 'Zmieniona'")
        assert [row[0] for row in cursor.fetchall()] == [municipality_a.pk]


def test_tenant_context_restores_the_previous_setting(both_gminy):
    municipality_a, _ = both_gminy
    set_database_tenant(ALL_MUNICIPALITIES)
    with tenant_context(municipality_a):
        assert raw_municipality_ids("core_department") == {municipality_a.pk}
    assert len(raw_municipality_ids("core_department")) == 2


def test_a_request_sees_only_its_gmina_even_through_an_unscoped_query(both_gminy):
    """A view that forgets its tenant (an unscoped query) still sees only its gmina."""
    from django.http import HttpResponse
    from django.test import RequestFactory

    from ratusz.core.middleware import TenantMiddleware
    from ratusz.core.models import Department

    municipality_a, _ = both_gminy
    seen = {}

    def forgetful_view(request):
        seen["ids"] = set(Department.objects.values_list("municipality_id", flat=True))
        return HttpResponse("ok")

    TenantMiddleware(forgetful_view)(RequestFactory().get("/g/alfa/"))
    assert seen["ids"] == {municipality_a.pk}
    # After the request the previous (test set-up) setting is back.
    assert len(raw_municipality_ids("core_department")) == 2


def test_a_failed_transaction_inside_a_tenant_context_keeps_its_own_error(both_gminy):
    municipality_a, _ = both_gminy
    with pytest.raises(DatabaseError, match="division by zero"), transaction.atomic(), \
            tenant_context(municipality_a), connection.cursor() as cursor:
        cursor.execute("SELECT 1 / 0")
    assert len(raw_municipality_ids("core_department")) == 2

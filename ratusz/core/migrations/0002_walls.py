from django.db import migrations

from ratusz.core.rls import append_only, enable_tenant_rls


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        enable_tenant_rls("core_unit"),
        enable_tenant_rls("core_department"),
        enable_tenant_rls("core_personaldataaccess"),
        enable_tenant_rls("core_auditlog", any_insert=True),
        append_only("core_auditlog"),
        append_only("core_personaldataaccess"),
    ]

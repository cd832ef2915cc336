from django.db import migrations

from ratusz.core.rls import enable_tenant_rls


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial"), ("core", "0002_walls")]

    operations = [
        enable_tenant_rls("accounts_roleassignment"),
        enable_tenant_rls("accounts_residentrelation"),
        enable_tenant_rls("accounts_apitoken"),
    ]

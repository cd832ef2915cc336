from django.db import migrations

from ratusz.core.rls import enable_tenant_rls

TENANT_TABLES = ["bulletin_webpage", "bulletin_newsitem", "bulletin_event"]


class Migration(migrations.Migration):
    dependencies = [("bulletin", "0004_websites")]

    operations = [enable_tenant_rls(table) for table in TENANT_TABLES]

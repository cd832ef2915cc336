from django.db import migrations

from ratusz.core.rls import enable_tenant_rls

TENANT_TABLES = ["bulletin_site", "bulletin_section", "bulletin_entry", "bulletin_entryversion",
                 "bulletin_attachment", "bulletin_monthlystat"]


class Migration(migrations.Migration):
    dependencies = [("bulletin", "0001_initial")]

    operations = [enable_tenant_rls(table) for table in TENANT_TABLES]

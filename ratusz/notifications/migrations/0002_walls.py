from django.db import migrations

from ratusz.core.rls import enable_tenant_rls

TENANT_TABLES = [
    "notifications_subscriber", "notifications_subscription", "notifications_consentrecord",
    "notifications_pushendpoint", "notifications_alert", "notifications_template",
    "notifications_message",
]


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [enable_tenant_rls(table) for table in TENANT_TABLES]

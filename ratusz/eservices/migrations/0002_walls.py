from django.db import migrations

from ratusz.core.rls import enable_tenant_rls

TENANT_TABLES = [
    "eservices_service", "eservices_formversion", "eservices_submission",
    "eservices_submissionattachment", "eservices_draft", "eservices_pendingsubmission",
    "eservices_message",
]


class Migration(migrations.Migration):
    dependencies = [("eservices", "0001_initial")]

    operations = [enable_tenant_rls(table) for table in TENANT_TABLES]

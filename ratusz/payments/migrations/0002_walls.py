from django.db import migrations

from ratusz.core.rls import enable_tenant_rls

TENANT_TABLES = [
    "payments_collectionaccount", "payments_obligationkind", "payments_payer",
    "payments_obligationimport", "payments_obligation", "payments_instalment",
    "payments_receipt", "payments_reminder", "payments_allocation", "payments_refund",
    "payments_gatewayaccount", "payments_payment", "payments_paymentitem",
    "payments_gatewayevent", "payments_statement", "payments_statementline",
]


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [enable_tenant_rls(table) for table in TENANT_TABLES]

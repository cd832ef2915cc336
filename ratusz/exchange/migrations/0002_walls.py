from django.db import migrations

from ratusz.core.rls import enable_tenant_rls

TENANT_TABLES = ["exchange_mailbox", "exchange_outboundmessage", "exchange_inboundmessage",
                 "exchange_evidence"]


class Migration(migrations.Migration):
    dependencies = [("exchange", "0001_initial")]

    operations = [enable_tenant_rls(table) for table in TENANT_TABLES]

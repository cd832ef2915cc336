from django.db import migrations

from ratusz.core.rls import append_only, enable_tenant_rls

TENANT_TABLES = [
    "cases_counter", "cases_jrwaversion", "cases_jrwaclass", "cases_incomingentry",
    "cases_incomingsender", "cases_assignment", "cases_routingrule", "cases_casetype",
    "cases_case", "cases_caseparty", "cases_caselink", "cases_document",
    "cases_documentversion", "cases_outgoingletter", "cases_approvalstep",
    "cases_outgoingentry", "cases_caserecordentry", "cases_disposallist",
    "cases_archivetransfer",
]


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [
        *[enable_tenant_rls(table) for table in TENANT_TABLES],
        append_only("cases_caserecordentry"),
    ]

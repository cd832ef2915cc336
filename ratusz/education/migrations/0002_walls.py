from django.db import migrations

from ratusz.core.rls import enable_tenant_rls

TENANT_TABLES = [
    "education_institution", "education_child", "education_enrolment", "education_campaign",
    "education_offer", "education_criterion", "education_application",
    "education_preference", "education_declaredcriterion", "education_applicationdocument",
    "education_score", "education_allocation", "education_publishedlist",
    "education_justification", "education_appeal",
]


class Migration(migrations.Migration):
    dependencies = [("education", "0001_initial")]

    operations = [enable_tenant_rls(table) for table in TENANT_TABLES]

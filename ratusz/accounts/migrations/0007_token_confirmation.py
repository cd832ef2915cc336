"""API tokens wait for their person's confirmation (issue 15, finding 2). Tokens issued
before are kept working (confirmed when they were made); system tokens lose what the
administrator role may not do."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


#: ROLE_PERMISSIONS[Role.ADMIN] when this migration was written.
ADMIN_PERMISSIONS = {"workspace.view", "directory.view", "staff.manage", "departments.manage",
                     "api_tokens.manage", "audit.view", "services.manage",
                     "notifications.templates", "bip.edit"}


def keep_existing(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT set_config('ratusz.municipality_id', 'all', true)")
    for token in ApiToken.objects.all().iterator():
        token.confirmed_at = token.created_at
        if token.user_id is None:
            token.permissions = sorted(set(token.permissions) & ADMIN_PERMISSIONS)
        token.save(update_fields=["confirmed_at", "permissions"])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_login_gov_sessions'),
    ]

    operations = [
        migrations.AddField(
            model_name='apitoken',
            name='confirmed_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='apitoken',
            name='issued_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='apitoken',
            name='key_hash',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.RunPython(keep_existing, migrations.RunPython.noop),
    ]

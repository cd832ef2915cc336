"""One resident account per e-mail address (issue 15, finding 9). Where two residents
already share an address, the older account keeps it and the newer ones lose it (they sign
in through login.gov.pl or ask for it again); existing accounts count as confirmed."""

import django.db.models.functions.text
from django.db import migrations, models


def settle_duplicates(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    ResidentProfile = apps.get_model("accounts", "ResidentProfile")
    seen = set()
    for user in User.objects.filter(kind="resident").exclude(email="").order_by("pk"):
        key = user.email.lower()
        if key in seen:
            User.objects.filter(pk=user.pk).update(email="")
        seen.add(key)
    for profile in ResidentProfile.objects.filter(user__is_active=True).exclude(
            user__email="").select_related("user"):
        profile.email_confirmed_at = profile.user.date_joined
        profile.save(update_fields=["email_confirmed_at"])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0007_token_confirmation'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('core', '0005_token_confirmation'),
    ]

    operations = [
        migrations.AddField(
            model_name='residentprofile',
            name='email_confirmed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='e-mail address confirmed at'),
        ),
        migrations.RunPython(settle_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.UniqueConstraint(django.db.models.functions.text.Lower('email'), condition=models.Q(('kind', 'resident'), models.Q(('email', ''), _negated=True)), name='user_resident_email_unique'),
        ),
    ]

"""The receipt e-mailed once to a sender without an account (Submission.receipt_emailed_at),
and the catalogue's search text as Polish search tokens (words, stems, form codes and the
library's plain words), recomputed for every service."""

from django.db import migrations, models

CATEGORY_LABELS = {
    "taxes": "Podatki i opłaty lokalne", "waste": "Odpady i czystość",
    "civil": "Sprawy obywatelskie i stan cywilny", "land": "Nieruchomości i planowanie przestrzenne",
    "environment": "Ochrona środowiska", "roads": "Drogi i transport",
    "business": "Działalność gospodarcza i zezwolenia", "social": "Sprawy społeczne i rodzina",
    "education": "Oświata i sport", "general": "Sprawy ogólne, informacja publiczna, skargi",
}


def tokens_of_services(apps, schema_editor):
    from ratusz.core.polish import tokens
    from ratusz.eservices.library import form_codes, search_words

    Service = apps.get_model("eservices", "Service")
    for service in Service.objects.all().iterator():
        words = [service.name, service.summary, service.purpose, *service.keywords,
                 *search_words(service.library_slug),
                 CATEGORY_LABELS.get(service.category, "")]
        codes = form_codes(service.name, *service.keywords)
        Service.objects.filter(pk=service.pk).update(
            search_text=f"{tokens(' '.join(words)).rstrip()} {' '.join(sorted(codes))} ")


class Migration(migrations.Migration):

    dependencies = [
        ("eservices", "0003_idempotency_fingerprint"),
    ]

    operations = [
        migrations.AddField(
            model_name="submission",
            name="receipt_emailed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(tokens_of_services, migrations.RunPython.noop),
    ]

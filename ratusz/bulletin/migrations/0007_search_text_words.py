"""Entry.search_text again for the existing entries: block elements (table cells,
paragraphs, list items) now separate words; search_stems follows."""

from django.db import migrations


def refill(apps, schema_editor):
    from ratusz.bulletin import textsearch
    from ratusz.bulletin.services.entries import search_text

    Entry = apps.get_model("bulletin", "Entry")
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('ratusz.municipality_id', 'all', true)")
    for entry in Entry.objects.only("pk", "title", "number", "body").iterator():
        text = search_text(entry)
        Entry.objects.filter(pk=entry.pk).update(
            search_text=text, search_stems=textsearch.tokens(text))


class Migration(migrations.Migration):

    dependencies = [("bulletin", "0006_entry_search_stems")]

    operations = [migrations.RunPython(refill, migrations.RunPython.noop)]

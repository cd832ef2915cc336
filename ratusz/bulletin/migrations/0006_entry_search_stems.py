"""Polish full-text search of BIP entries: Entry.search_stems (ratusz.bulletin.textsearch)
filled for the existing entries, and on PostgreSQL a GIN index on its tsvector."""

from django.db import migrations, models

INDEX = ("CREATE INDEX bulletin_entry_search ON bulletin_entry "
         "USING gin (to_tsvector('simple'::regconfig, search_stems))")


def fill(apps, schema_editor):
    from ratusz.bulletin import textsearch

    Entry = apps.get_model("bulletin", "Entry")
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('ratusz.municipality_id', 'all', true)")
    for entry in Entry.objects.only("pk", "search_text").iterator():
        Entry.objects.filter(pk=entry.pk).update(
            search_stems=textsearch.tokens(entry.search_text))


def index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS bulletin_entry_search")


class Migration(migrations.Migration):

    dependencies = [
        ("bulletin", "0005_websites_walls"),
    ]

    operations = [
        migrations.AddField(
            model_name="entry",
            name="search_stems",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(index, drop_index),
    ]

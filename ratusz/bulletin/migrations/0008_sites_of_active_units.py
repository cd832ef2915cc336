"""A BIP for every active unit that has none yet. The public pages used to make a unit's
BIP on its first visit; they now only read, and a BIP is made by a write (an editor's
"create" on the BIP dashboard, the demo, a document published in it). This keeps every
unit that was reachable reachable."""

from django.db import migrations


def add_sites(apps, schema_editor):
    from ratusz.bulletin.defaults import site_values, typical_menu

    Site = apps.get_model("bulletin", "Site")
    Section = apps.get_model("bulletin", "Section")
    Unit = apps.get_model("core", "Unit")
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('ratusz.municipality_id', 'all', true)")
    units = (Unit.objects.filter(is_active=True, bip_site__isnull=True)
             .select_related("municipality").order_by("pk"))
    for unit in units:
        site = Site.objects.create(municipality=unit.municipality, unit=unit,
                                   **site_values(unit, unit.municipality))
        Section.objects.bulk_create([
            Section(municipality=unit.municipality, site=site, slug=item.slug,
                    title=item.title, is_register=item.is_register, position=index)
            for index, item in enumerate(typical_menu(unit.kind == "office"))])


class Migration(migrations.Migration):

    dependencies = [("bulletin", "0007_search_text_words"), ("core", "0001_initial")]

    operations = [migrations.RunPython(add_sites, migrations.RunPython.noop)]

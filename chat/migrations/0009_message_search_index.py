from django.db import migrations

from content.search import AddSearchIndex


def free_the_search_address(apps, schema_editor):
    """Move a room called "search" aside: /chat/search/ is the search page now."""
    Room = apps.get_model("chat", "Room")
    room = Room.objects.filter(slug="search").first()
    if room is None:
        return
    n = 2
    while Room.objects.filter(slug=f"search-{n}").exists():
        n += 1
    room.slug = f"search-{n}"
    room.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0008_mentions"),
    ]

    operations = [
        AddSearchIndex(model_name="message", field="text"),
        migrations.RunPython(free_the_search_address, migrations.RunPython.noop),
    ]

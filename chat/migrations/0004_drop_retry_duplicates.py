"""
Resolve retries already stored twice, before 0005 adds the unique constraint
that stops them (content.bulk.drop_retry_duplicates: the earliest stays, a
later copy with the same text goes, one with other text loses its client id).
"""

from django.db import migrations

from content.bulk import drop_retry_duplicates


def drop_duplicates(apps, schema_editor):
    Message = apps.get_model("chat", "Message")
    drop_retry_duplicates(
        Message,
        ("room_id", "author_id", "display_name", "client_id"),
        text_field="text",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0003_moderated_content_base"),
    ]

    operations = [
        migrations.RunPython(drop_duplicates, migrations.RunPython.noop),
    ]

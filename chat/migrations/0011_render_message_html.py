"""
Render the stored chat messages' texts into their new ``html`` field, in
batches (content.bulk.render_stored).
"""

from django.db import migrations

from content.bulk import render_stored


def render_messages(apps, schema_editor):
    render_stored(apps.get_model("chat", "Message"), text_field="text")


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0010_message_html"),
    ]

    operations = [
        migrations.RunPython(render_messages, migrations.RunPython.noop),
    ]

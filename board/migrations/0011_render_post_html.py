"""
Render the stored posts' bodies into their new ``html`` field, in batches
(content.bulk.render_stored).
"""

from django.db import migrations

from content.bulk import render_stored


def render_posts(apps, schema_editor):
    render_stored(apps.get_model("board", "Post"), text_field="body")


class Migration(migrations.Migration):
    dependencies = [
        ("board", "0010_post_html"),
    ]

    operations = [
        migrations.RunPython(render_posts, migrations.RunPython.noop),
    ]

from django.db import migrations

from content.search import AddSearchIndex


class Migration(migrations.Migration):
    dependencies = [
        ("board", "0006_post_address"),
    ]

    operations = [
        AddSearchIndex(model_name="post", field="body"),
    ]

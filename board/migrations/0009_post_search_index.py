from django.db import migrations

from content.search import AddSearchIndex


class Migration(migrations.Migration):
    dependencies = [
        ("board", "0008_topics"),
    ]

    operations = [
        AddSearchIndex(model_name="post", field="body"),
    ]

from django.db import migrations

from content.search import AddSearchIndex


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0006_message_address_room_archived"),
    ]

    operations = [
        AddSearchIndex(model_name="message", field="text"),
    ]

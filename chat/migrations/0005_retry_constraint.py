"""The retry key's unique constraint (see 0004 for the duplicates it needs gone)."""

import django.db.models.functions.comparison
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0004_drop_retry_duplicates"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="message",
            constraint=models.UniqueConstraint(
                models.F("room_id"),
                django.db.models.functions.comparison.Coalesce(
                    "author", models.Value(0)
                ),
                models.F("display_name"),
                models.F("client_id"),
                condition=models.Q(("client_id__isnull", False)),
                name="chat_message_unique_retry",
            ),
        ),
    ]

"""The retry key's unique constraint (see 0004 for the duplicates it needs gone)."""

import django.db.models.functions.comparison
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("board", "0004_drop_retry_duplicates"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="post",
            name="board_post_unique_client_id",
        ),
        migrations.AddConstraint(
            model_name="post",
            constraint=models.UniqueConstraint(
                django.db.models.functions.comparison.Coalesce(
                    "author", models.Value(0)
                ),
                models.F("client_id"),
                condition=models.Q(("client_id__isnull", False)),
                name="board_post_unique_retry",
            ),
        ),
    ]

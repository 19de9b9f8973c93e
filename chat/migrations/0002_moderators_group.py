from django.db import migrations

from content import moderators

CODENAMES = [
    "view_room",
    "view_message",
    "hide_message",
    "delete_message",
]


def grant(apps, schema_editor):
    moderators.grant(apps, "chat", CODENAMES)


def revoke(apps, schema_editor):
    moderators.revoke(apps, "chat", CODENAMES)


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0001_initial"),
        ("board", "0002_moderators_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

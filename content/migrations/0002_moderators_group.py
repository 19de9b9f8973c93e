from django.db import migrations

from content import moderators

CODENAMES = [
    "view_report",
    "change_report",
    "view_ban",
    "add_ban",
    "change_ban",
    "view_auditentry",
]


def grant(apps, schema_editor):
    moderators.grant(apps, "content", CODENAMES)


def revoke(apps, schema_editor):
    moderators.revoke(apps, "content", CODENAMES)


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0001_initial"),
        ("chat", "0002_moderators_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

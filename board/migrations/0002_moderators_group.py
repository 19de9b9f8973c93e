from django.db import migrations

from content import moderators

CODENAMES = ["view_post", "hide_post", "delete_post"]


def grant(apps, schema_editor):
    moderators.grant(apps, "board", CODENAMES)


def revoke(apps, schema_editor):
    moderators.revoke(apps, "board", CODENAMES)


class Migration(migrations.Migration):
    dependencies = [
        ("board", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

"""
Rooms get a topic, unique titles, their last activity, and members a read
pointer per room.

Titles that read the same (case, width, look-alike letters: the skeleton of
``content.names``) become unique. Rooms that already share one keep their
address and their messages; all but the oldest get a number appended to
their title ("Lobby (2)"), so nothing is lost and every room can still be
told apart.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TITLE_MAX_LENGTH = 100


def numbered(title, n):
    suffix = f" ({n})"
    return title[: TITLE_MAX_LENGTH - len(suffix)].rstrip() + suffix


def fill_keys_and_activity(apps, schema_editor):
    from content.names import skeleton

    Room = apps.get_model("chat", "Room")
    Message = apps.get_model("chat", "Message")
    taken = set()
    for room in Room.objects.order_by("id").iterator():
        title, n = room.title, 1
        while skeleton(title) in taken:
            n += 1
            title = numbered(room.title, n)
        taken.add(skeleton(title))
        last = Message.objects.filter(room_id=room.pk).order_by("-id").first()
        Room.objects.filter(pk=room.pk).update(
            title=title,
            title_key=skeleton(title),
            last_message_id=last.pk if last else None,
            last_active=last.created if last else room.created,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0011_render_message_html"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="room",
            name="title_key",
            field=models.TextField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="room",
            name="topic",
            field=models.CharField(blank=True, default="", max_length=300),
        ),
        migrations.AddField(
            model_name="room",
            name="last_active",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="room",
            name="last_message_id",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill_keys_and_activity, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="room",
            name="title_key",
            field=models.TextField(
                editable=False,
                help_text="The title's skeleton (content.names): titles that read "
                "the same, whatever their case or look-alike letters, share it.",
                unique=True,
            ),
        ),
        migrations.AlterField(
            model_name="room",
            name="last_active",
            field=models.DateTimeField(editable=False),
        ),
        migrations.AddIndex(
            model_name="room",
            index=models.Index(
                fields=["-last_active", "-id"], name="chat_room_last_active"
            ),
        ),
        migrations.CreateModel(
            name="ReadPointer",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("message_id", models.BigIntegerField(default=0)),
                ("updated", models.DateTimeField(auto_now=True)),
                (
                    "room",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="read_pointers",
                        to="chat.room",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("user", "room"), name="chat_readpointer_one_per_room"
                    )
                ],
            },
        ),
    ]

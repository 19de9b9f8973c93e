from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0009_message_search_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="html",
            field=models.TextField(
                blank=True,
                default="",
                db_default="",
                editable=False,
                help_text="The text as shown: rendered from its Markdown when written.",
            ),
        ),
    ]

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("board", "0009_post_search_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
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

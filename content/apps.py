from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ContentConfig(AppConfig):
    name = "content"
    verbose_name = "Moderation"

    def ready(self):
        from content.search import repair_sqlite_indexes

        # Once per migrate, after every app's migrations.
        post_migrate.connect(
            repair_sqlite_indexes, sender=self, dispatch_uid="content.search.repair"
        )

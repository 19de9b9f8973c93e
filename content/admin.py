"""
The moderation admin that board posts and chat messages share.

Content is written on the site, never here: a moderator lists, searches and
filters it, and acts through hide / unhide / delete actions that call the
app's service functions, so open pages see the change at once. A subclass
says which permission hides (``hide_permission``) and names its app's
``moderation`` services (``content.services.Moderation``).
"""

from django.contrib import admin, messages

from content.words import counted


class ModerationAdmin(admin.ModelAdmin):
    hide_permission = None  # "app_label.codename"
    text_field = None  # the field the excerpt column shows
    actions = ["hide_selected", "unhide_selected", "delete_selected_items"]
    list_display_links = ["id", "excerpt"]
    search_fields = ["display_name", "author__username"]
    date_hierarchy = "created"
    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over a large table
    moderation_fields = [
        "author",
        "display_name",
        "created",
        "client_id",
        "hidden",
        "hidden_at",
        "hidden_by",
    ]

    moderation = None  # the app's content.services.Moderation

    @admin.display(description="Text")
    def excerpt(self, obj):
        text = getattr(obj, self.text_field)
        return text if len(text) <= 80 else text[:79] + "…"

    def get_readonly_fields(self, request, obj=None):
        return [self.text_field, *self.moderation_fields]

    # Written on the site and never edited here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_hide_permission(self, request):
        return request.user.has_perm(self.hide_permission)

    def get_actions(self, request):
        actions = super().get_actions(request)
        # The stock bulk delete bypasses the service (and the live pages).
        actions.pop("delete_selected", None)
        return actions

    def _report(self, request, verb, count):
        meta = self.model._meta
        noun = counted(count, meta.verbose_name, meta.verbose_name_plural)
        self.message_user(request, f"{verb} {noun}.", messages.SUCCESS)

    @admin.action(
        permissions=["hide"], description="Hide selected %(verbose_name_plural)s"
    )
    def hide_selected(self, request, queryset):
        self._report(request, "Hid", self.moderation.hide(queryset, by=request.user))

    @admin.action(
        permissions=["hide"], description="Unhide selected %(verbose_name_plural)s"
    )
    def unhide_selected(self, request, queryset):
        self._report(
            request, "Unhid", self.moderation.unhide(queryset, by=request.user)
        )

    @admin.action(
        permissions=["delete"], description="Delete selected %(verbose_name_plural)s"
    )
    def delete_selected_items(self, request, queryset):
        self._report(
            request, "Deleted", self.moderation.delete(queryset, by=request.user)
        )

    def delete_model(self, request, obj):
        self.moderation.delete([obj], by=request.user)

    def delete_queryset(self, request, queryset):
        self.moderation.delete(queryset, by=request.user)

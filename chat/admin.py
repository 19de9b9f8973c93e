"""
Moderation of chat rooms and messages.

Like the board's admin, every change goes through ``chat.services``: hiding,
unhiding, deleting and clearing reach open room pages at once as ``delete``
and ``clear`` frames. Messages are written in rooms, never here.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count

from chat import services
from chat.models import Message, Room
from content.admin import ModerationAdmin
from content.words import counted


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "created", "created_by", "message_count"]
    list_display += ["archived"]
    list_filter = ["archived"]
    search_fields = ["title", "slug"]
    date_hierarchy = "created"
    readonly_fields = ["slug", "created", "created_by", "archived"]
    actions = ["clear_selected", "archive_selected", "unarchive_selected"]
    show_full_result_count = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("created_by")
            .annotate(message_total=Count("messages"))
        )

    @admin.display(description="Messages", ordering="message_total")
    def message_count(self, room):
        return room.message_total

    def get_fields(self, request, obj=None):
        fields = ["title", "topic"]
        return fields if obj is None else [*fields, *self.readonly_fields]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class RoomAdminForm(form):
            def clean_title(self):
                # The service refuses a taken title too; here the admin shows
                # it on the field rather than failing in save_model.
                try:
                    title = services.clean_title(self.cleaned_data["title"])
                    services.refuse_taken_title(
                        title, room=self.instance if self.instance.pk else None
                    )
                except ValidationError as error:
                    raise ValidationError(error.message_dict["title"]) from None
                return title

        return RoomAdminForm

    def has_hide_permission(self, request):
        return request.user.has_perm("chat.hide_message")

    def save_model(self, request, obj, form, change):
        if change:
            services.update_room(
                room=Room.objects.get(pk=obj.pk),
                title=obj.title,
                topic=obj.topic,
                by=request.user,
                via="admin",
            )
            return
        room = services.create_room(
            title=obj.title, topic=obj.topic, created_by=request.user
        )
        # The admin goes on with ``obj`` (its log entry, the redirect).
        obj.pk, obj.slug, obj.created = room.pk, room.slug, room.created
        obj.created_by = room.created_by

    def delete_model(self, request, obj):
        services.delete_room(room=obj, by=request.user, via="admin")

    def delete_queryset(self, request, queryset):
        for room in queryset:
            services.delete_room(room=room, by=request.user, via="admin")

    @admin.action(permissions=["hide"], description="Clear selected rooms")
    def clear_selected(self, request, queryset):
        hidden = sum(
            services.clear_room(room=room, by=request.user, via="admin")
            for room in queryset
        )
        self.message_user(
            request,
            f"Cleared {counted(len(queryset), 'room', 'rooms')}: "
            f"hid {counted(hidden, 'message', 'messages')}.",
            messages.SUCCESS,
        )

    @admin.action(permissions=["hide"], description="Archive selected rooms")
    def archive_selected(self, request, queryset):
        self._archive(request, queryset, archived=True)

    @admin.action(permissions=["hide"], description="Unarchive selected rooms")
    def unarchive_selected(self, request, queryset):
        self._archive(request, queryset, archived=False)

    def _archive(self, request, queryset, *, archived):
        for room in queryset:
            services.archive_room(
                room=room, archived=archived, by=request.user, via="admin"
            )
        verb = "Archived" if archived else "Unarchived"
        self.message_user(request, f"{verb} {len(queryset)} room(s).", messages.SUCCESS)


@admin.register(Message)
class MessageAdmin(ModerationAdmin):
    hide_permission = "chat.hide_message"
    text_field = "text"
    list_display = ["id", "room", "display_name", "excerpt", "created", "hidden"]
    list_filter = ["hidden", "room", "created"]
    search_fields = ["text", *ModerationAdmin.search_fields]
    moderation_fields = ["room", *ModerationAdmin.moderation_fields]
    ordering = ["-id"]  # newest first, as the board's posts

    moderation = services.moderation

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("room", "author", "hidden_by")
        )

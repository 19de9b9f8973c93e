"""
Moderation of board posts.

Posts are written through the board, never edited here: the admin lists,
searches and filters them, and its actions (hide, unhide, delete, clear the
board) call ``board.services`` like every other interface, so open board
pages see the change at once.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from board import services
from board.models import Post
from content.admin import ModerationAdmin
from content.words import counted


class StarterFilter(admin.SimpleListFilter):
    title = "kind"
    parameter_name = "starter"

    def lookups(self, request, model_admin):
        return [("yes", "Topic starters"), ("no", "Replies")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(topic__isnull=True)
        if self.value() == "no":
            return queryset.filter(topic__isnull=False)
        return queryset


@admin.register(Post)
class PostAdmin(ModerationAdmin):
    hide_permission = "board.hide_post"
    text_field = "body"
    list_display = ["id", "display_name", "excerpt", "topic_link", "created", "hidden"]
    list_filter = [StarterFilter, "hidden", "created"]
    search_fields = ["body", "title", *ModerationAdmin.search_fields]
    change_list_template = "admin/board/post/change_list.html"

    moderation = services.moderation

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("author", "hidden_by", "topic")
            .defer("topic__body")
        )

    def get_readonly_fields(self, request, obj=None):
        return ["topic_link", *super().get_readonly_fields(request, obj)]

    @admin.display(description="Topic")
    def topic_link(self, obj):
        """The topic a reply belongs to; for a starter, its title and replies."""
        listing = reverse("admin:board_post_changelist")
        if obj.topic_id is None:
            return format_html(
                '“{}” · <a href="{}?topic__id__exact={}">{} repl{}</a>',
                obj.title,
                listing,
                obj.pk,
                obj.reply_count,
                "y" if obj.reply_count == 1 else "ies",
            )
        return format_html(
            'reply to <a href="{}">“{}”</a>',
            reverse("admin:board_post_change", args=[obj.topic_id]),
            obj.topic.title,
        )

    def get_urls(self):
        clear = self.admin_site.admin_view(self.clear_view)
        return [path("clear/", clear, name="board_post_clear"), *super().get_urls()]

    def clear_view(self, request):
        """Confirm, then hide every visible post."""
        if not self.has_hide_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            count = services.clear_board(by=request.user, via="admin")
            self.message_user(
                request,
                f"Cleared the board: hid {counted(count, 'post', 'posts')}.",
                messages.SUCCESS,
            )
            return redirect(reverse("admin:board_post_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Clear the board",
            "opts": self.model._meta,
            "visible_count": Post.objects.visible().count(),
        }
        return TemplateResponse(request, "admin/board/post/clear.html", context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_clear": self.has_hide_permission(request),
        }
        return super().changelist_view(request, extra_context)

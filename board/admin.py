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

from board import services
from board.models import Post
from content.admin import ModerationAdmin
from content.words import counted


@admin.register(Post)
class PostAdmin(ModerationAdmin):
    hide_permission = "board.hide_post"
    text_field = "body"
    list_display = ["id", "display_name", "excerpt", "created", "hidden"]
    list_filter = ["hidden", "created"]
    search_fields = ["body", *ModerationAdmin.search_fields]
    change_list_template = "admin/board/post/change_list.html"

    moderation = services.moderation

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author", "hidden_by")

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

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


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["id", "display_name", "excerpt", "created", "hidden"]
    list_display_links = ["id", "excerpt"]
    list_filter = ["hidden", "created"]
    search_fields = ["body", "display_name", "author__username"]
    date_hierarchy = "created"
    readonly_fields = [
        "body",
        "author",
        "display_name",
        "created",
        "client_id",
        "hidden",
        "hidden_at",
        "hidden_by",
    ]
    actions = ["hide_selected", "unhide_selected", "delete_selected_posts"]
    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over a large table
    change_list_template = "admin/board/post/change_list.html"

    @admin.display(description="Post")
    def excerpt(self, post):
        return post.body if len(post.body) <= 80 else post.body[:79] + "…"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author", "hidden_by")

    # Posts are created on the board and never edited.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_hide_permission(self, request):
        return request.user.has_perm("board.hide_post")

    def get_actions(self, request):
        actions = super().get_actions(request)
        # The stock bulk delete bypasses the service (and the live pages).
        actions.pop("delete_selected", None)
        return actions

    @admin.action(permissions=["hide"], description="Hide selected posts")
    def hide_selected(self, request, queryset):
        count = services.hide_posts(posts=queryset, by=request.user)
        self.message_user(request, f"Hid {count} post(s).", messages.SUCCESS)

    @admin.action(permissions=["hide"], description="Unhide selected posts")
    def unhide_selected(self, request, queryset):
        count = services.unhide_posts(posts=queryset, by=request.user)
        self.message_user(request, f"Unhid {count} post(s).", messages.SUCCESS)

    @admin.action(permissions=["delete"], description="Delete selected posts")
    def delete_selected_posts(self, request, queryset):
        count = services.delete_posts(posts=queryset, by=request.user)
        self.message_user(request, f"Deleted {count} post(s).", messages.SUCCESS)

    def delete_model(self, request, obj):
        services.delete_posts(posts=[obj], by=request.user)

    def delete_queryset(self, request, queryset):
        services.delete_posts(posts=queryset, by=request.user)

    def get_urls(self):
        clear = self.admin_site.admin_view(self.clear_view)
        return [path("clear/", clear, name="board_post_clear"), *super().get_urls()]

    def clear_view(self, request):
        """Confirm, then hide every visible post."""
        if not self.has_hide_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            count = services.clear_board(by=request.user)
            self.message_user(
                request, f"Cleared the board: hid {count} post(s).", messages.SUCCESS
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

"""
The moderation admin that board posts and chat messages share, and the
admin of moderation itself: the review queue of reports, bans and the
moderation log.

Content is written on the site, never here: a moderator lists, searches and
filters it, and acts through hide / unhide / delete actions (and the
Hide/Unhide buttons of an item's page) that call the app's service
functions, so open pages see the change at once and the moderation log
records it. A subclass says which permission hides (``hide_permission``) and
names its app's ``moderation`` services (``content.services.Moderation``).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.admin import GenericTabularInline
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from content import bans, queue, reports
from content.models import AuditEntry, Ban, Profile, Report, Revision
from content.moderators import can_delete, can_hide, moderates
from content.services import (
    Moderation,
    clear_display_name,
    may_clear_display_names,
)
from content.words import counted


class RevisionInline(GenericTabularInline):
    """An item's earlier texts, newest first, read-only, for its moderators."""

    model = Revision
    fields = ["created", "edited_by_name", "text"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = "earlier version"
    verbose_name_plural = "earlier versions (the text each edit replaced)"

    def has_view_permission(self, request, obj=None):
        return moderates(request.user, self.parent_model)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ModerationAdmin(admin.ModelAdmin):
    hide_permission = None  # "app_label.codename"
    text_field = None  # the field the excerpt column shows
    actions = ["hide_selected", "unhide_selected", "delete_selected_items"]
    inlines = [RevisionInline]
    list_display_links = ["id", "excerpt"]
    search_fields = ["display_name", "author__username"]
    date_hierarchy = "created"
    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over a large table
    moderation_fields = [
        "author_link",
        "display_name",
        "created",
        "client_id",
        "edited_at",
        "hidden",
        "hidden_at",
        "hidden_by",
    ]

    moderation = None  # the app's content.services.Moderation
    change_form_template = "admin/content/moderated_change_form.html"

    @admin.display(description="Author")
    def author_link(self, obj):
        """Link to the author's other items, and to banning them."""
        meta = self.model._meta
        if obj.author_id is None:
            if not obj.address:
                return "guest (address not kept)"
            ban = reverse("admin:content_ban_add") + f"?address={obj.address}"
            return format_html(
                'guest at {} · <a href="{}">ban this address</a>', obj.address, ban
            )
        listing = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        username = obj.author.get_username()
        ban = reverse("admin:content_ban_add") + f"?username={username}"
        return format_html(
            '<a href="{}?author__id__exact={}">{}</a> (all their {}) · '
            '<a href="{}">ban</a>',
            listing,
            obj.author_id,
            username,
            meta.verbose_name_plural,
            ban,
        )

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

    def get_urls(self):
        meta = self.model._meta
        name = f"{meta.app_label}_{meta.model_name}"
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/hide/",
                view(self.visibility_view),
                {"hide": True},
                name=f"{name}_hide",
            ),
            path(
                "<path:object_id>/unhide/",
                view(self.visibility_view),
                {"hide": False},
                name=f"{name}_unhide",
            ),
            *super().get_urls(),
        ]

    def visibility_view(self, request, object_id, hide):
        """The Hide / Unhide buttons of an item's page (POST only)."""
        if request.method != "POST":
            return redirect(self._change_url(object_id))
        if not self.has_hide_permission(request):
            raise PermissionDenied
        obj = get_object_or_404(self.model, pk=object_id)
        act = self.moderation.hide if hide else self.moderation.unhide
        count = act(
            [obj], by=request.user, via="admin", reason=request.POST.get("reason", "")
        )
        self._report(request, "Hid" if hide else "Unhid", count)
        return redirect(self._change_url(object_id))

    def _change_url(self, object_id):
        meta = self.model._meta
        return reverse(
            f"admin:{meta.app_label}_{meta.model_name}_change", args=[object_id]
        )

    def render_change_form(self, request, context, *args, **kwargs):
        context["can_hide"] = self.has_hide_permission(request)
        return super().render_change_form(request, context, *args, **kwargs)

    def _report(self, request, verb, count):
        meta = self.model._meta
        noun = counted(count, meta.verbose_name, meta.verbose_name_plural)
        self.message_user(request, f"{verb} {noun}.", messages.SUCCESS)

    @admin.action(
        permissions=["hide"], description="Hide selected %(verbose_name_plural)s"
    )
    def hide_selected(self, request, queryset):
        self._report(
            request, "Hid", self.moderation.hide(queryset, by=request.user, via="admin")
        )

    @admin.action(
        permissions=["hide"], description="Unhide selected %(verbose_name_plural)s"
    )
    def unhide_selected(self, request, queryset):
        self._report(
            request,
            "Unhid",
            self.moderation.unhide(queryset, by=request.user, via="admin"),
        )

    @admin.action(
        permissions=["delete"], description="Delete selected %(verbose_name_plural)s"
    )
    def delete_selected_items(self, request, queryset):
        self._report(
            request,
            "Deleted",
            self.moderation.delete(queryset, by=request.user, via="admin"),
        )

    def delete_model(self, request, obj):
        self.moderation.delete([obj], by=request.user, via="admin")

    def delete_queryset(self, request, queryset):
        self.moderation.delete(queryset, by=request.user, via="admin")


# The review queue ---------------------------------------------------------------

QUEUE_ACTIONS = {
    "dismiss": "Dismissed the reports.",
    "hide": "Hid the item.",
    "delete": "Deleted the item.",
    "ban": "Banned the author and hid the item.",
}
CONTEXT_AROUND = 2


def _context_of(item):
    """Return the items shown around ``item``: its room's neighbours, if any."""
    room = getattr(item, "room", None)
    if room is None:
        return [item]
    rows = type(item).objects.filter(room=room)
    before = list(rows.filter(id__lt=item.pk).order_by("-id")[:CONTEXT_AROUND])
    after = list(rows.filter(id__gt=item.pk).order_by("id")[:CONTEXT_AROUND])
    return [*before[::-1], item, *after]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Every report ever filed; the queue (``queue/``) shows the open ones."""

    list_display = ["id", "created", "item_kind", "object_id", "excerpt", "reason"]
    list_display += ["reporter_name", "status", "resolved_by"]
    list_filter = ["status", "content_type", "created"]
    search_fields = ["reason", "excerpt", "reporter__username", "reporter_address"]
    date_hierarchy = "created"
    list_select_related = ["reporter", "content_type", "resolved_by"]
    change_list_template = "admin/content/report/change_list.html"
    show_full_result_count = False

    @admin.display(description="Kind", ordering="content_type")
    def item_kind(self, report):
        return report.content_type.name

    @admin.display(description="Reporter")
    def reporter_name(self, report):
        return report.reporter_name

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("queue/", view(self.queue_view), name="content_report_queue"),
            path("queue/act/", view(self.act_view), name="content_report_act"),
            *super().get_urls(),
        ]

    def queue_view(self, request):
        """Open reports grouped by item, oldest first, with one-click actions."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        groups = queue.open_groups()
        user = request.user
        for group in groups:
            item, model = group["item"], group["content_type"].model_class()
            group["context"] = _context_of(item) if item is not None else []
            group["admin_url"] = reverse(
                f"admin:{model._meta.app_label}_{model._meta.model_name}_change",
                args=[group["object_id"]],
            )
            group["can_hide"] = item is not None and can_hide(user, model)
            group["can_delete"] = item is not None and can_delete(user, model)
            group["can_ban"] = (
                item is not None
                and user.has_perm("content.add_ban")
                and (item.author_id is not None or bool(item.address))
            )
        context = {
            **self.admin_site.each_context(request),
            "title": "Review queue",
            "opts": self.model._meta,
            "groups": groups,
            "open_count": queue.open_count(),
            "can_dismiss": user.has_perm("content.change_report"),
        }
        return TemplateResponse(request, "admin/content/report/queue.html", context)

    @staticmethod
    def act_view(request):
        """Carry out one queue button: dismiss, hide, delete or ban the author."""
        done = redirect(reverse("admin:content_report_queue"))
        if request.method != "POST":
            return done
        action = request.POST.get("action")
        try:
            kind = ContentType.objects.get_for_id(int(request.POST.get("kind", "")))
            item_id = int(request.POST.get("id", ""))
        except (ValueError, ContentType.DoesNotExist):
            kind = None
        if action not in QUEUE_ACTIONS or kind is None:
            messages.error(request, "That queue button sent something unexpected.")
            return done
        model, user = kind.model_class(), request.user
        reason = request.POST.get("reason", "").strip()
        if action == "dismiss":
            if not user.has_perm("content.change_report"):
                raise PermissionDenied
            reports.dismiss_reports(
                model=model, item_id=item_id, by=user, via="admin", reason=reason
            )
            messages.success(request, QUEUE_ACTIONS[action])
            return done
        item = model.objects.filter(pk=item_id).first()
        if item is None:
            messages.error(request, "That item is gone already.")
            return done
        allowed = {
            "hide": can_hide(user, model),
            "delete": can_delete(user, model),
            "ban": user.has_perm("content.add_ban") and can_hide(user, model),
        }[action]
        if not allowed:
            raise PermissionDenied
        moderation = Moderation.of(model)
        if action == "ban":
            reason = reason or "Reported: " + "; ".join(
                Report.objects.open()
                .filter(content_type=kind, object_id=item_id)
                .values_list("reason", flat=True)[:3]
            )
            try:
                bans.ban(
                    user=item.author,
                    address=item.address if item.author_id is None else None,
                    reason=reason[: Ban.REASON_MAX_LENGTH],
                    by=user,
                    via="admin",
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return done
        if action == "delete":
            moderation.delete([item], by=user, via="admin", reason=reason)
        else:
            moderation.hide([item], by=user, via="admin", reason=reason)
        messages.success(request, QUEUE_ACTIONS[action])
        return done

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "open_count": queue.open_count()}
        return super().changelist_view(request, extra_context)


# Bans ---------------------------------------------------------------------------


class BanForm(forms.ModelForm):
    """A ban of a member (by username) or of a guest address."""

    username = forms.CharField(
        required=False, help_text="The member to ban; leave empty for an address."
    )

    class Meta:
        model = Ban
        fields = ["username", "address", "expires", "reason"]

    def clean(self):
        data = super().clean()
        username = (data.get("username") or "").strip()
        user = None
        if username:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                self.add_error("username", f"There is no member {username!r}.")
                return data
        try:
            user, address, until, reason = bans.clean_ban(
                user=user,
                address=data.get("address") or None,
                until=data.get("expires"),
                reason=data.get("reason"),
                by=self.request_user,
            )
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                field = {"user": "username"}.get(field, field)
                self.add_error(field if field in self.fields else None, errors)
            return data
        data.update(user=user, address=address, expires=until, reason=reason)
        # The model's own checks (its constraint) run on the instance next.
        self.instance.user = user
        return data


@admin.register(Ban)
class BanAdmin(admin.ModelAdmin):
    """Ban here, lift with the action; a ban is never edited or deleted."""

    form = BanForm
    list_display = ["target", "reason", "created", "created_by", "expires"]
    list_display += ["in_force", "lifted_at", "lifted_by"]
    list_filter = ["created", "expires", "lifted_at"]
    search_fields = ["user__username", "address", "reason"]
    list_select_related = ["user", "created_by", "lifted_by"]
    actions = ["lift_selected"]
    date_hierarchy = "created"

    @admin.display(description="In force", boolean=True)
    def in_force(self, ban):
        return ban.in_force()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request_user = request.user
        return form

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["target", "reason", "created", "created_by", "expires"] + [
            "lifted_at",
            "lifted_by",
        ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["username", "address", "expires", "reason"]
        return self.get_readonly_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_lift_permission(self, request):
        return request.user.has_perm("content.change_ban")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        ban = bans.ban(
            user=data["user"],
            address=data["address"] or None,
            until=data["expires"],
            reason=data["reason"],
            by=request.user,
            via="admin",
        )
        # The admin goes on with ``obj`` (its log entry, the redirect).
        obj.pk, obj.user, obj.address, obj.created = (
            ban.pk,
            ban.user,
            ban.address,
            ban.created,
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(permissions=["lift"], description="Lift selected bans")
    def lift_selected(self, request, queryset):
        lifted = sum(
            bans.lift_ban(ban=ban, by=request.user, via="admin") for ban in queryset
        )
        self.message_user(request, f"Lifted {lifted} ban(s).", messages.SUCCESS)


# Members' display names ------------------------------------------------------------


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    """
    Members' display names. Members choose them on their profile page; a
    moderator can only take one away (the action), never write one.
    """

    list_display = ["user", "display_name"]
    search_fields = ["user__username", "display_name"]
    list_select_related = ["user"]
    fields = ["user", "display_name"]
    actions = ["clear_selected"]

    def get_queryset(self, request):
        # Profiles without a display name have nothing to moderate.
        return super().get_queryset(request).exclude(display_name="")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the change page shows the profile, read-only

    def has_delete_permission(self, request, obj=None):
        return False

    def has_clear_permission(self, request):
        return may_clear_display_names(request.user)

    @admin.action(
        permissions=["clear"],
        description="Clear the selected display names (they show their usernames)",
    )
    def clear_selected(self, request, queryset):
        cleared = sum(
            clear_display_name(user=profile.user, by=request.user, via="admin")
            for profile in queryset
        )
        self.message_user(
            request,
            f"Cleared {counted(cleared, 'display name', 'display names')}.",
            messages.SUCCESS,
        )


# The moderation log -------------------------------------------------------------


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: entries are written by the moderation services only."""

    list_display = ["created", "actor_name", "action", "via", "target", "reason"]
    list_filter = ["action", "via", "content_type", "created"]
    search_fields = ["actor_name", "target", "reason", "object_id"]
    date_hierarchy = "created"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

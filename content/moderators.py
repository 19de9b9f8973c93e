"""
The "Moderators" group: people who may hide and delete content in the admin.

Each app's data migration grants its own moderation permissions through
``grant``, so the group is complete after ``migrate`` on a new site. Making a
user a moderator: add them to the group and tick "staff status" (the admin
lets in staff only).
"""

from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group
from django.db import transaction

from content import audit

GROUP_NAME = "Moderators"


def grant(apps, app_label, codenames):
    """Give the Moderators group ``codenames`` of ``app_label``, creating both."""
    # Permissions are normally created after all migrations ran; a data
    # migration that needs them must create them itself.
    # A migration's app config has no models module, and create_permissions
    # skips such apps; the site's own (a test's call) keeps the one it has,
    # or migrate's post_migrate receivers would skip the app from then on.
    app_config = apps.get_app_config(app_label)
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        )
    )


def revoke(apps, app_label, codenames):
    """Undo ``grant`` (the permissions themselves stay)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP_NAME).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
        )


def _perm(model, action):
    meta = model._meta
    return f"{meta.app_label}.{action}_{meta.model_name}"


def can_hide(user, model):
    """Return whether ``user`` may hide and unhide items of ``model``."""
    return user.is_authenticated and user.has_perm(_perm(model, "hide"))


def can_delete(user, model):
    """Return whether ``user`` may delete items of ``model`` (others' too)."""
    return user.is_authenticated and user.has_perm(_perm(model, "delete"))


def moderates(user, model):
    """Return whether ``user`` moderates ``model``: hides or deletes its items."""
    return can_hide(user, model) or can_delete(user, model)


def reviews_reports(user):
    """Return whether ``user`` works the review queue (staff who see reports)."""
    return (
        user.is_authenticated and user.is_staff and user.has_perm("content.view_report")
    )


def set_moderator(*, user, moderator: bool, by, via: str) -> bool:
    """
    Make ``user`` a moderator (the Moderators group and staff status, which
    the admin needs) or stop them being one, logging it in the moderation
    log. Removing keeps staff status of superusers and of members of other
    groups. Return whether anything changed (no log entry otherwise).
    """
    audit.check_via(via)
    with transaction.atomic():
        group, _ = Group.objects.get_or_create(name=GROUP_NAME)
        member = user.groups.filter(pk=group.pk).exists()
        if moderator:
            changed = not member or not user.is_staff
            user.groups.add(group)
            user.is_staff = True
        else:
            changed = member
            user.groups.remove(group)
            if not user.is_superuser and not user.groups.exists():
                user.is_staff = False
        if not changed:
            return False
        user.save(update_fields=["is_staff"])
        audit.record(
            action="add_moderator" if moderator else "remove_moderator",
            by=by,
            via=via,
            targets=[user],
        )
    return True

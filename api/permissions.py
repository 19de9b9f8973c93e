"""
Who may change what.

Reading visible content is public and creating needs a signed-in user (the
global ``IsAuthenticatedOrReadOnly``). Changing or deleting an item needs its
author or a moderator of the item's app: a user holding one of that app's
moderation permissions (the "Moderators" group has them) or a superuser.
"""

from rest_framework import permissions

MODERATION_PERMISSIONS = {
    "board": ("board.hide_post", "board.delete_post"),
    "chat": ("chat.hide_message", "chat.delete_message"),
}


def is_moderator(user, app_label):
    """Return whether ``user`` moderates ``app_label`` ("board" or "chat")."""
    if not user.is_authenticated or not user.is_active:
        return False
    return any(user.has_perm(perm) for perm in MODERATION_PERMISSIONS[app_label])


class IsAuthorOrModerator(permissions.BasePermission):
    """
    Writes on an item by its author or a moderator; reads by anyone.

    The view names the item's author field (``author_field``) and its app
    (``moderated_app``).
    """

    message = "Only the author or a moderator may change or delete this."

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        if is_moderator(user, view.moderated_app):
            return True
        author_id = getattr(obj, f"{view.author_field}_id")
        return user.is_authenticated and author_id is not None and author_id == user.pk


class HasModelPermission(permissions.BasePermission):
    """
    The model's own permission for each method: ``view`` to read, ``add`` to
    create, ``change`` to delete (records of moderation are never deleted:
    deleting a ban lifts it). Unlike DRF's ``DjangoModelPermissions``,
    reading needs ``view`` too.
    """

    ACTIONS = {
        "GET": "view",
        "HEAD": "view",
        "OPTIONS": "view",
        "POST": "add",
        "DELETE": "change",
    }
    message = "Only moderators may see or change moderation records."

    def has_permission(self, request, view):
        user = request.user
        if not user.is_authenticated or not user.is_active:
            return False
        action = self.ACTIONS.get(request.method)
        meta = view.get_queryset().model._meta
        return action is not None and user.has_perm(
            f"{meta.app_label}.{action}_{meta.model_name}"
        )

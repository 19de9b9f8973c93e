"""
Wiring only: account events that end a user's open sockets.

The work is done by the services of ``content.sessions``; these receivers
only decide which one an event calls. A user saved inactive (the admin's "Active" box, a
``manage.py`` command, the shell) or deleted loses every socket; logging out
closes the sockets of that browser session. ``QuerySet.update()`` sends no
signal: deactivate accounts by saving them.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_delete, post_save

from content.sessions import close_session_sockets, close_user_sockets


def logged_out(sender, request, user, **kwargs):
    session_key = request.session.session_key if request is not None else None
    if user is not None and session_key:
        close_session_sockets(session_key=session_key)


def user_saved(sender, instance, **kwargs):
    if not instance.is_active:
        close_user_sockets(user_id=instance.pk)


def user_deleted(sender, instance, **kwargs):
    close_user_sockets(user_id=instance.pk)


def connect():
    user_model = get_user_model()
    user_logged_out.connect(logged_out, dispatch_uid="netsite.logged_out")
    post_save.connect(user_saved, sender=user_model, dispatch_uid="netsite.user_saved")
    post_delete.connect(
        user_deleted, sender=user_model, dispatch_uid="netsite.user_deleted"
    )

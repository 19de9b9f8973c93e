import pytest
from asgiref.sync import sync_to_async

from django.test import Client

from board import services as board_services
from chat import services as chat_services
from tests.chat.conftest import ORIGIN, connect_to


@pytest.fixture
def post(user):
    return board_services.create_post(body="Buy cheap watches", author=user)[0]


@pytest.fixture
def room(db):
    return chat_services.create_room(title="Lobby")


@pytest.fixture
def message(room, user):
    return chat_services.post_message(room=room, text="Buy cheap watches", author=user)[
        0
    ]


async def socket_as(user, path, address="127.0.0.1"):
    """
    Return a communicator for ``path`` with ``user``'s session (``None``: a
    guest), coming from ``address`` as daphne would put it in the scope.
    """
    headers = list(ORIGIN)
    if user is not None:
        browser = Client()
        await sync_to_async(browser.force_login)(user)
        cookie = f"sessionid={browser.cookies['sessionid'].value}".encode()
        headers.append((b"cookie", cookie))
    communicator = connect_to(path, headers=headers)
    # The scope is read when the application starts, on the first await.
    communicator.scope["client"] = (address, 50000)
    return communicator


def moderators_group():
    """
    Return the Moderators group, making it as ``migrate`` does when a
    transactional test's flush removed it.
    """
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Group

    from content.moderators import GROUP_NAME, grant

    group = Group.objects.filter(name=GROUP_NAME).first()
    if group is not None:
        return group
    for app_label in ("board", "chat", "content"):
        migration = importlib.import_module(
            f"{app_label}.migrations.0002_moderators_group"
        )
        grant(apps, app_label, migration.CODENAMES)
    return Group.objects.get(name=GROUP_NAME)


@pytest.fixture
def moderator(django_user_model):
    """A staff member of the Moderators group, in any kind of test database."""
    mod = django_user_model.objects.create_user(
        "mia", password="correct horse 3", is_staff=True
    )
    mod.groups.add(moderators_group())
    return mod

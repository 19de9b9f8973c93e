import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from django.contrib.auth.models import Group, User
from django.core.cache import cache

from board import services as board_services
from chat import services as chat_services


@pytest.fixture(autouse=True)
def fresh_cache():
    """Throttle counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def author(db):
    return User.objects.create_user("ada", password="pw-ada-12345")


@pytest.fixture
def other(db):
    return User.objects.create_user("bob", password="pw-bob-12345")


@pytest.fixture
def moderator(db):
    user = User.objects.create_user("mo", password="pw-mo-12345")
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


def token_client(user):
    client = APIClient(enforce_csrf_checks=True)
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def anon(db):
    return APIClient(enforce_csrf_checks=True)


@pytest.fixture
def client_for():
    return token_client


@pytest.fixture
def post(author):
    return board_services.create_post(body="Hello board", author=author)[0]


@pytest.fixture
def room(author):
    return chat_services.create_room(title="Lobby", created_by=author)


@pytest.fixture
def message(room, author):
    return chat_services.post_message(room=room, text="Hello room", author=author)[0]

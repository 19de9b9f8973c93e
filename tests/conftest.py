import pytest

from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client

from content import pages
from content.moderators import GROUP_NAME

# The tier rule, the service fixtures and the hermetic-run checks.
pytest_plugins = ["tests.tiers"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """
    Rate-limit counters live in the cache, and pages cached for readers
    without an account in content.pages, keyed by versions that each test's
    rolled-back database starts again from: start every test from zero.
    """
    cache.clear()
    pages.STORE.clear()
    yield
    cache.clear()
    pages.STORE.clear()


@pytest.fixture
def client():
    """A browser-like client: CSRF is enforced as it is for real visitors."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("ada", password="correct horse 1")


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user("brian", password="correct horse 2")


@pytest.fixture
def moderator(django_user_model):
    mod = django_user_model.objects.create_user(
        "mia", password="correct horse 3", is_staff=True
    )
    mod.groups.add(Group.objects.get(name=GROUP_NAME))
    return mod


def csrf_token(client, path="/board/"):
    """GET ``path`` and return the CSRF token a browser would submit."""
    client.get(path)
    return client.cookies["csrftoken"].value


@pytest.fixture
def post_form(client):
    """Submit the board form as a browser does (token from the page's cookie)."""

    def submit(body, **fields):
        token = csrf_token(client)
        return client.post(
            "/board/", {"body": body, "csrfmiddlewaretoken": token, **fields}
        )

    return submit

"""Site-wide behaviour: home, health, static files, headers, error pages."""

import json

import pytest

from django.test import override_settings

from board import services


@pytest.mark.django_db
def test_the_home_page_shows_live_figures(client):
    services.create_post(body="one")
    services.create_post(body="two")
    page = client.get("/").content.decode()

    assert "<strong>2</strong> posts on the board" in page
    for link in ("/board/", "/chat/", "/api/", "/lab/", "/admin/"):
        assert f'href="{link}"' in page


@pytest.mark.django_db(transaction=True)
def test_healthz_reports_ok_when_database_and_channel_layer_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "ok",
        "database": "ok",
        "channel_layer": "ok",
    }


@pytest.mark.django_db(transaction=True)
def test_healthz_is_503_when_the_channel_layer_is_unreachable(client):
    unreachable = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    from channels.layers import channel_layers

    with override_settings(CHANNEL_LAYERS=unreachable):
        channel_layers.backends.clear()
        try:
            response = client.get("/healthz")
        finally:
            channel_layers.backends.clear()

    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "error"
    assert body["channel_layer"] == "error"
    assert body["database"] == "ok"


def test_static_files_are_served_with_their_mime_types(client):
    css = client.get("/static/netsite/site.css")
    js = client.get("/static/netsite/localtime.js")
    svg = client.get("/static/netsite/favicon.svg")

    assert css.status_code == js.status_code == svg.status_code == 200
    assert css["Content-Type"].startswith("text/css")
    assert "javascript" in js["Content-Type"]
    assert svg["Content-Type"].startswith("image/svg+xml")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/static/../netsite/settings.py",
        "/static/..%2fnetsite/settings.py",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "/static/netsite/../../manage.py",
        "/static//etc/passwd",
    ],
)
def test_static_paths_never_escape_the_static_root(client, path):
    response = client.get(path)
    assert response.status_code == 404
    body = b"".join(response) if response.streaming else response.content
    assert b"SECRET_KEY" not in body
    assert b"root:" not in body


@pytest.mark.django_db
def test_every_page_carries_the_security_headers(client):
    response = client.get("/board/")

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp


@pytest.mark.django_db
def test_pages_load_no_inline_script_and_nothing_from_other_hosts(client):
    import re

    for path in ("/", "/board/", "/lab/", "/accounts/login/"):
        page = client.get(path).content.decode()
        scripts = re.findall(r"<script([^>]*)>", page)
        assert all("src=" in attrs or "json" in attrs for attrs in scripts), path
        assert not re.search(r'(src|href)="(https?:)?//', page), path


@pytest.mark.django_db
def test_a_missing_page_is_the_sites_own_404(client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "404 · Not found" in page
    assert "netsite/site.css" in page


def test_the_500_page_matches_the_site(rf):
    from netsite.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "500 · Server error" in response.content.decode()
    assert "netsite/site.css" in response.content.decode()


@pytest.mark.django_db
def test_a_permission_error_is_the_sites_own_403(client, user):
    client.force_login(user)
    # A logged-in non-staff user is redirected by the admin; the board's
    # "clear" view raises PermissionDenied for staff without the permission.
    user.is_staff = True
    user.save()
    response = client.get("/admin/board/post/clear/")
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("path", "marked"),
    [
        ("/board/", '<a href="/board/" aria-current="page">Board</a>'),
        ("/lab/", '<a href="/lab/" aria-current="page">Lab</a>'),
        ("/lab/hello/?name=Ada", '<a href="/lab/" aria-current="true">Lab</a>'),
        ("/accounts/login/", '<a href="/accounts/login/" aria-current="page">'),
        ("/", 'href="/" aria-current="page">netsite</a>'),
    ],
)
def test_the_menu_marks_the_current_page_or_section(client, db, path, marked):
    page = client.get(path).content.decode()

    assert marked in page
    assert page.count("aria-current=") == 1


def test_every_page_starts_with_a_link_that_skips_to_its_content(client, db):
    page = client.get("/chat/").content.decode()
    body = page[page.index("<body") :]

    assert body.index('<a class="skip-link" href="#content">') < body.index("<nav")
    assert '<main class="wrap" id="content" tabindex="-1">' in page

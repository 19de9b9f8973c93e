"""Board posts through /api/posts/."""

from datetime import timedelta

import pytest

from django.test import Client
from django.utils import timezone

from board import services as board_services
from board.models import Post


@pytest.mark.django_db
def test_a_post_created_via_the_api_is_on_the_board(author, client_for):
    response = client_for(author).post(
        "/api/posts/", {"body": "Hello from a script"}, format="json"
    )
    assert response.status_code == 201
    page = Client().get("/board/")
    assert "Hello from a script" in page.content.decode()


@pytest.mark.django_db
def test_it_stores_the_trimmed_body_under_the_users_name(author, client_for):
    response = client_for(author).post(
        "/api/posts/", {"body": "  spaced out  "}, format="json"
    )
    data = response.json()
    assert data["body"] == "spaced out"
    assert data["author"] == "ada"
    assert data["guest"] is False
    assert Post.objects.get(pk=data["id"]).body == "spaced out"


@pytest.mark.django_db
def test_form_data_works_too(author, client_for):
    response = client_for(author).post(
        "/api/posts/",
        "body=from+a+form&hidden=false",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 201
    assert response.json()["body"] == "from a form"


@pytest.mark.django_db
def test_json_fields_must_have_their_json_types(post, author, moderator, client_for):
    created = client_for(author).post("/api/posts/", {"body": 42}, format="json")
    assert created.status_code == 400
    assert created.json()["errors"] == {"body": ["Send the post as a string."]}
    mod = client_for(moderator)
    hidden = mod.patch(f"/api/posts/{post.pk}/", {"hidden": "yes"}, format="json")
    assert hidden.status_code == 400
    assert "hidden" in hidden.json()["errors"]
    as_form = mod.patch(
        f"/api/posts/{post.pk}/",
        "hidden=1",
        content_type="application/x-www-form-urlencoded",
    )
    assert as_form.status_code == 400
    post.refresh_from_db()
    assert post.hidden is False


@pytest.mark.django_db
def test_a_retry_with_the_same_client_id_returns_the_first_post(author, client_for):
    client = client_for(author)
    first = client.post("/api/posts/", {"body": "once", "client_id": "k-1"})
    again = client.post("/api/posts/", {"body": "once", "client_id": "k-1"})
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Post.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_text_is_another_post(author, client_for):
    client = client_for(author)
    first = client.post("/api/posts/", {"body": "once", "client_id": "k-1"})
    other = client.post("/api/posts/", {"body": "another", "client_id": "k-1"})

    assert (first.status_code, other.status_code) == (201, 201)
    assert other.json()["id"] != first.json()["id"]
    assert other.json()["client_id"] is None
    assert Post.objects.count() == 2


@pytest.mark.django_db
def test_a_retry_with_the_same_idempotency_key_returns_the_first_post(
    author, client_for
):
    client = client_for(author)
    first = client.post(
        "/api/posts/", {"body": "once"}, format="json", HTTP_IDEMPOTENCY_KEY="abc"
    )
    again = client.post(
        "/api/posts/", {"body": "once"}, format="json", HTTP_IDEMPOTENCY_KEY="abc"
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert first.json()["client_id"] == "abc"
    assert Post.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_from_another_user_is_another_post(author, other, client_for):
    a = client_for(author).post("/api/posts/", {"body": "x", "client_id": "k"})
    b = client_for(other).post("/api/posts/", {"body": "x", "client_id": "k"})
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["id"] != b.json()["id"]


@pytest.mark.django_db
def test_a_key_and_a_different_client_id_are_refused(author, client_for):
    response = client_for(author).post(
        "/api/posts/",
        {"body": "x", "client_id": "one"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="two",
    )
    assert response.status_code == 400
    assert "client_id" in response.json()["errors"]
    assert Post.objects.count() == 0


@pytest.mark.django_db
def test_an_over_long_idempotency_key_is_refused(author, client_for):
    response = client_for(author).post(
        "/api/posts/", {"body": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 65
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]


@pytest.mark.django_db
def test_the_author_edits_with_put_and_patch(post, author, client_for):
    client = client_for(author)
    url = f"/api/posts/{post.pk}/"
    assert client.put(url, {"body": "put"}, format="json").json()["body"] == "put"
    assert client.patch(url, {"body": "patched"}, format="json").status_code == 200
    post.refresh_from_db()
    assert post.body == "patched"


@pytest.mark.django_db
def test_an_edit_to_an_empty_body_is_refused_and_keeps_the_post(
    post, author, client_for
):
    response = client_for(author).patch(
        f"/api/posts/{post.pk}/", {"body": ""}, format="json"
    )
    assert response.status_code == 400
    post.refresh_from_db()
    assert post.body == "Hello board"


def _collect(client, url):
    ids, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        ids += [item["id"] for item in response.json()["results"]]
        url = response.json()["next"]
        pages += 1
    return ids, pages


@pytest.mark.django_db
def test_cursor_pages_cover_every_post_once_newest_first(author, anon):
    for n in range(45):
        board_services.create_post(body=f"post {n}", author=author)
    ids, pages = _collect(anon, "/api/posts/?limit=20")
    assert pages == 3
    assert len(ids) == len(set(ids)) == 45
    assert ids == sorted(ids, reverse=True)


@pytest.mark.django_db
def test_cursor_pages_hold_while_posts_arrive(author, anon):
    for n in range(30):
        board_services.create_post(body=f"post {n}", author=author)
    first = anon.get("/api/posts/?limit=10").json()
    seen = [item["id"] for item in first["results"]]
    board_services.create_post(body="late arrival", author=author)
    ids, _ = _collect(anon, first["next"])
    assert len(set(seen + ids)) == len(seen + ids) == 30


@pytest.mark.django_db
def test_the_default_page_is_50_and_oldest_first_is_an_ordering(author, anon):
    for n in range(55):
        board_services.create_post(body=f"post {n}", author=author)
    page = anon.get("/api/posts/").json()
    assert len(page["results"]) == 50
    oldest = anon.get("/api/posts/?ordering=id&limit=3").json()["results"]
    assert [p["id"] for p in oldest] == sorted(p["id"] for p in oldest)
    assert oldest[0]["id"] == Post.objects.order_by("id").first().pk


@pytest.mark.django_db
def test_filters_by_author_time_and_text(author, other, anon):
    old, _ = board_services.create_post(body="an old apple", author=author)
    Post.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=3))
    board_services.create_post(body="a fresh apple", author=author)
    board_services.create_post(body="a pear", author=other)

    def bodies(query):
        response = anon.get(f"/api/posts/?{query}")
        assert response.status_code == 200
        return sorted(p["body"] for p in response.json()["results"])

    assert bodies("author=bob") == ["a pear"]
    assert bodies("search=APPLE") == ["a fresh apple", "an old apple"]
    since = (timezone.now() - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert bodies(f"since={since}&search=apple") == ["a fresh apple"]


@pytest.mark.django_db
def test_format_json_and_the_browsable_api(post, anon):
    browser = "text/html,application/xhtml+xml,*/*;q=0.8"
    as_json = anon.get("/api/posts/?format=json", HTTP_ACCEPT=browser)
    assert as_json["Content-Type"] == "application/json"
    assert as_json.json()["results"][0]["id"] == post.pk
    browsable = anon.get("/api/posts/", HTTP_ACCEPT=browser)
    assert browsable.status_code == 200
    assert browsable["Content-Type"].startswith("text/html")
    assert "Hello board" in browsable.content.decode()


@pytest.mark.django_db
def test_links_lead_from_the_root_to_a_post(post, anon):
    root = anon.get("/api/").json()
    page = anon.get(root["posts"]).json()
    item = anon.get(page["results"][0]["url"]).json()
    assert item["id"] == post.pk
    assert item["html_url"].endswith(f"/board/p/{post.pk}/")


@pytest.mark.django_db
def test_a_list_page_never_counts_the_table(author, anon):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(5):
        board_services.create_post(body=f"post {n}", author=author)
    with CaptureQueriesContext(connection) as queries:
        first = anon.get("/api/posts/?limit=2").json()
        anon.get(first["next"])
    assert queries.captured_queries
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


@pytest.mark.django_db
def test_a_post_carries_its_formatted_html_which_an_edit_renders_again(
    author, client_for
):
    api = client_for(author)
    created = api.post(
        "/api/posts/", {"body": "**hi** <b>", "html": "<script>"}, format="json"
    ).json()
    assert created["body"] == "**hi** <b>"
    # Read-only: what a client sends as html is ignored.
    assert created["html"] == "<p><strong>hi</strong> &lt;b&gt;</p>"
    assert Post.objects.get(pk=created["id"]).html == created["html"]

    edited = api.patch(
        f"/api/posts/{created['id']}/", {"body": "_now_ @ada"}, format="json"
    ).json()
    assert edited["html"] == '<p><em>now</em> <span class="mention">@ada</span></p>'
    assert api.get(f"/api/posts/{created['id']}/").json()["html"] == edited["html"]

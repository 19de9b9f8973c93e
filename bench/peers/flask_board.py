"""
The board written with Flask, Jinja2 and sqlite3, for gunicorn's sync worker.

The same posts (a copy of netsite's SQLite file, named by ``BENCH_DB``), the
same 50-row page with each body through ``urlize`` and line breaks, the same
JSON fields as netsite's API list, and the same two writes: a form post
(answered with a redirect) and an API post with a token (``BENCH_TOKEN``).
One database connection per request, as the Flask tutorial opens it and as
netsite's ``CONN_MAX_AGE = 0`` does. No CSRF, sessions or middleware: this is
a lighter stack doing the same work, not a copy of netsite.

    BENCH_DB=posts.sqlite3 gunicorn -w 1 -b 127.0.0.1:8001 \\
        bench.peers.flask_board:app
"""

import datetime
import os
import sqlite3

from flask import Flask, abort, g, jsonify, redirect, render_template, request
from jinja2 import DictLoader
from markupsafe import Markup, escape

PAGE_SIZE = 50
BODY_MAX_LENGTH = 4000
NAME_MAX_LENGTH = 40

BOARD = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Board · flask</title>
  <link rel="stylesheet" href="/static/site.css">
</head>
<body>
<header class="site-header">
  <nav class="wrap"><a class="brand" href="/">board</a></nav>
</header>
<main class="wrap">
<h1>Message board</h1>
<form method="post" action="/" class="post-form" novalidate>
  <p class="field">
  <label for="id_display_name">Your name</label>
  <input type="text" name="display_name" placeholder="guest" maxlength="40"
   id="id_display_name">
  </p>
  <p class="field">
  <label for="id_body">Message</label>
  <textarea name="body" cols="40" rows="4" maxlength="4000" required id="id_body">
  </textarea>
  </p>
  <p><button type="submit">Post</button></p>
</form>
<section id="posts" class="posts" aria-live="polite">
{% for post in posts %}
  <article class="post" id="post-{{ post.id }}" data-id="{{ post.id }}">
  <header class="post-meta">
    <span class="author">{{ post.display_name }}</span>
    <time datetime="{{ post.created.isoformat() }}">Posted: \
{{ post.created.strftime("%Y-%m-%d %H:%M") }} UTC</time>
  </header>
  <div class="post-body">{{ post.body|urlize|linebreaksbr }}</div>
  </article>
{% else %}
  <p class="empty">No posts yet.</p>
{% endfor %}
</section>
<nav class="pager">
  {% if before %}<a href="/">Newest posts</a>{% endif %}
  {% if older %}<a rel="next" href="?before={{ older }}">Older posts</a>{% endif %}
</nav>
</main>
</body>
</html>
"""

app = Flask(__name__)
app.jinja_loader = DictLoader({"board.html": BOARD})


@app.template_filter()
def linebreaksbr(value):
    return escape(value).replace("\n", Markup("<br>"))


def get_db():
    if "db" not in g:
        g.db = sqlite3.connect(os.environ["BENCH_DB"], timeout=20)
        g.db.row_factory = sqlite3.Row
        g.db.execute("PRAGMA synchronous=NORMAL")
    return g.db


@app.teardown_appcontext
def close_db(error):
    db = g.pop("db", None)
    if db is not None:
        db.close()


def read_posts(before, limit):
    query = "SELECT * FROM board_post WHERE hidden = 0"
    params = []
    if before is not None:
        query += " AND id < ?"
        params.append(before)
    query += " ORDER BY id DESC LIMIT ?"
    params.append(limit + 1)
    rows = [
        {**row, "created": datetime.datetime.fromisoformat(row["created"])}
        for row in map(dict, get_db().execute(query, params))
    ]
    older = rows[limit - 1]["id"] if len(rows) > limit else None
    return rows[:limit], older


def number(name, default=None, maximum=None):
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or (maximum is not None and not 1 <= int(raw) <= maximum):
        abort(400)
    return int(raw)


def insert_post(body, display_name):
    body = (body or "").strip()
    if not 0 < len(body) <= BODY_MAX_LENGTH or len(display_name) > NAME_MAX_LENGTH:
        abort(400)
    created = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    db = get_db()
    with db:
        cursor = db.execute(
            "INSERT INTO board_post (body, display_name, created, hidden) "
            "VALUES (?, ?, ?, 0)",
            (body, display_name or "guest", created.isoformat(" ")),
        )
    row = db.execute("SELECT * FROM board_post WHERE id = ?", (cursor.lastrowid,))
    return {**dict(row.fetchone()), "created": created}


def post_json(post):
    root = request.host_url
    return {
        "url": f"{root}api/posts/{post['id']}/",
        "id": post["id"],
        "body": post["body"],
        "author": post["display_name"],
        "guest": post["author_id"] is None,
        "created": post["created"].isoformat() + "Z",
        "client_id": post["client_id"],
        "hidden": bool(post["hidden"]),
        "html_url": f"{root}#post-{post['id']}",
    }


@app.route("/", methods=["GET", "POST"])
def board():
    if request.method == "POST":
        insert_post(request.form.get("body"), request.form.get("display_name", ""))
        return redirect("/", 303)
    before = number("before")
    posts, older = read_posts(before, PAGE_SIZE)
    return render_template("board.html", posts=posts, older=older, before=before)


@app.route("/api/posts/", methods=["GET", "POST"])
def api_posts():
    if request.method == "POST":
        if request.headers.get("Authorization") != f"Token {os.environ['BENCH_TOKEN']}":
            abort(401)
        post = insert_post(request.get_json().get("body"), "bench")
        return jsonify(post_json(post)), 201
    limit = number("limit", PAGE_SIZE, maximum=200)
    posts, older = read_posts(number("before"), limit)
    root = request.host_url
    return jsonify(
        {
            "next": f"{root}api/posts/?before={older}&limit={limit}" if older else None,
            "previous": None,
            "results": [post_json(post) for post in posts],
        }
    )

// The board's live streams. On /board/ (data-kind="topics", /ws/board/) new
// topics appear, a topic whose replies changed takes its place by last
// activity with its new count (a new reply: at the top), hidden ones go and
// a cleared board empties; on a topic's page (data-kind="replies",
// /ws/board/t/<id>/) new replies appear at the end, edited posts change and
// hidden ones go, the topic's first post included. All without a reload; without JavaScript the pages are the
// same, minus the liveness.
(function () {
  "use strict";

  var posts = document.getElementById("posts");
  if (!posts || !window.WebSocket) return;
  var topics = posts.getAttribute("data-kind") === "topics";
  // Only the board's first page shows new topics; an older page stays as it
  // is. A topic's page shows new replies only when it is the newest one.
  if (topics && new URLSearchParams(location.search).has("before")) return;
  var frozen = posts.hasAttribute("data-frozen");
  var topicId = posts.getAttribute("data-topic");
  var attempt = 0;
  var missed = false;

  function notice(text) {
    var line = document.getElementById("live-notice");
    if (!line) {
      line = document.createElement("p");
      line.id = "live-notice";
      line.className = "live-notice muted";
      line.setAttribute("role", "status");
      posts.parentNode.insertBefore(line, posts);
    }
    line.textContent = text;
  }

  function localize(node) {
    // The server renders times in UTC; localtime.js shows the reader's own.
    if (window.netsiteLocalize) window.netsiteLocalize(node);
  }

  function showEmpty() {
    if (posts.querySelector(".post, .empty")) return;
    var empty = document.createElement("p");
    empty.className = "empty";
    empty.textContent = topics ? "No posts yet." : "No replies yet.";
    posts.appendChild(empty);
  }

  function fromHtml(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim(); // rendered and escaped by the server
    return template.content.firstElementChild;
  }

  function articleOf(node) {
    return node.matches("article") ? node : node.querySelector("article");
  }

  function lineOf(id) {
    // A topic's line on the board, or a post on a topic's page.
    return document.getElementById((topics ? "topic-" : "post-") + id);
  }

  function order(line) {
    // The board's order, newest first: last activity (microseconds, a
    // fixed-width number), then id.
    var id = ("00000000000000000000" + line.getAttribute("data-id")).slice(-20);
    return (line.getAttribute("data-activity") || "") + "_" + id;
  }

  function place(node) {
    // Put a topic's line where the board would list it; false if that is
    // on an older page than this one.
    var key = order(node);
    var lines = posts.querySelectorAll(".topic");
    for (var i = 0; i < lines.length; i++) {
      if (order(lines[i]) < key) { posts.insertBefore(node, lines[i]); return true; }
    }
    if (document.querySelector(".pager a[rel=next]")) return false;
    posts.appendChild(node);
    return true;
  }

  // where: "top" (a new topic), "sorted" (a topic's line by its activity) or
  // "here" (in place if shown, else at the end).
  function show(node, id, where) {
    var existing = lineOf(id);
    // An edited post keeps the controls this reader had on it (their own
    // Edit and Delete links among them); a new one gets everyone's.
    var kept = existing && existing.querySelector(".item-actions");
    if (kept) articleOf(node).appendChild(kept);
    else if (window.netsiteItemActions) window.netsiteItemActions(articleOf(node), id);
    if (existing && where === "here") { existing.replaceWith(node); localize(node); return; }
    if (existing) existing.remove();
    var empty = posts.querySelector(".empty");
    if (empty) empty.remove();
    if (where === "sorted") {
      if (!place(node)) { showEmpty(); return; }
    } else {
      node.classList.add("fresh");
      if (where === "top") posts.insertBefore(node, posts.firstElementChild);
      else posts.appendChild(node);
    }
    localize(node);
  }

  function topicGone() {
    // The topic's first post was hidden or deleted: nothing to reply to.
    var form = document.querySelector(".reply-form");
    if (form) form.remove();
    notice("This topic was hidden or deleted: replies can no longer be posted.");
  }

  function onFrame(event) {
    var frame;
    try { frame = JSON.parse(event.data); } catch (e) { return; }
    if (frame.type === "post" || frame.type === "topic") {
      var node = fromHtml(frame.html);
      if (!node) return;
      if (topics && frame.type === "topic") {
        // Its replies changed: by its last activity (a new reply's topic
        // goes to the top).
        show(node, frame.id, "sorted");
      } else if (topics) {
        // A new topic at the top; an edited or unhidden one stays where it
        // is, if it is here.
        show(node, frame.id, lineOf(frame.id) ? "here" : "top");
      } else if (lineOf(frame.id) || !frozen) {
        show(node, frame.id, "here");
      }
    } else if (frame.type === "delete") {
      var gone = document.getElementById("post-" + frame.id);
      if (gone) (gone.closest(".topic") || gone).remove();
      if (String(frame.id) === topicId) topicGone();
      if (!document.querySelector(".pager a[rel=next]")) showEmpty();
    } else if (frame.type === "clear") {
      var all = posts.querySelectorAll(".topic, .post");
      for (var i = 0; i < all.length; i++) all[i].remove();
      // Every older post is hidden too: the link would lead to an empty page.
      var older = document.querySelector(".pager a[rel=next]");
      if (older) older.remove();
      showEmpty();
    }
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + location.host + posts.getAttribute("data-stream"));
    ws.onopen = function () {
      attempt = 0;
      posts.setAttribute("data-live", "open");
      if (missed) notice("Reconnected: reload the page to see anything posted meanwhile.");
    };
    ws.onmessage = onFrame;
    ws.onclose = function (event) {
      posts.setAttribute("data-live", "closed");
      missed = true;
      if (event.code === 4409) { connect(); return; } // fell behind: at once
      attempt += 1;
      var delay = Math.random() * Math.min(30000, 500 * Math.pow(2, attempt));
      notice("Live updates paused: reconnecting…");
      setTimeout(connect, delay);
    };
  }

  connect();
})();

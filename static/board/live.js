// The board's live streams. On /board/ (data-kind="topics", /ws/board/) new
// topics appear, a topic with a new reply moves to the top with its new
// count, hidden ones go and a cleared board empties; on a topic's page
// (data-kind="replies", /ws/board/t/<id>/) new replies appear at the end and
// hidden ones go. All without a reload; without JavaScript the pages are the
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

  function show(node, id, atTop) {
    var existing = lineOf(id);
    // An edited post keeps the controls this reader had on it (their own
    // Edit and Delete links among them); a new one gets everyone's.
    var kept = existing && existing.querySelector(".item-actions");
    if (kept) articleOf(node).appendChild(kept);
    else if (window.netsiteItemActions) window.netsiteItemActions(articleOf(node), id);
    if (existing && !atTop) { existing.replaceWith(node); localize(node); return; }
    if (existing) existing.remove();
    var empty = posts.querySelector(".empty");
    if (empty) empty.remove();
    node.classList.add("fresh");
    if (atTop) posts.insertBefore(node, posts.firstElementChild);
    else posts.appendChild(node);
    localize(node);
  }

  function onFrame(event) {
    var frame;
    try { frame = JSON.parse(event.data); } catch (e) { return; }
    if (frame.type === "post" || frame.type === "topic") {
      var node = fromHtml(frame.html);
      if (!node) return;
      if (topics) {
        // A new topic, or one a reply made the latest active: at the top.
        // An edited or unhidden one stays where it is, if it is here.
        show(node, frame.id, frame.type === "topic" || !lineOf(frame.id));
      } else if (lineOf(frame.id) || !frozen) {
        show(node, frame.id, false);
      }
    } else if (frame.type === "delete") {
      var gone = document.getElementById("post-" + frame.id);
      if (gone) (gone.closest(".topic") || gone).remove();
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

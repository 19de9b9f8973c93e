// The board page's live stream (/ws/board/): new posts appear, hidden ones
// go, a cleared board empties, all without a reload. Without JavaScript the
// page is the same, minus the liveness.
(function () {
  "use strict";

  var posts = document.getElementById("posts");
  if (!posts || !window.WebSocket) return;
  // Only the newest page shows new posts; an older page stays as it is.
  if (new URLSearchParams(location.search).has("before")) return;
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
    empty.textContent = "No posts yet.";
    posts.appendChild(empty);
  }

  function fromHtml(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim(); // rendered and escaped by the server
    return template.content.firstElementChild;
  }

  function onFrame(event) {
    var frame;
    try { frame = JSON.parse(event.data); } catch (e) { return; }
    if (frame.type === "post") {
      var article = fromHtml(frame.html);
      if (!article) return;
      var existing = document.getElementById("post-" + frame.id);
      // An edited post keeps the controls this reader had on it (their own
      // Edit and Delete links among them); a new one gets everyone's.
      var kept = existing && existing.querySelector(".item-actions");
      if (kept) article.appendChild(kept);
      else if (window.netsiteItemActions) window.netsiteItemActions(article, frame.id);
      if (existing) { existing.replaceWith(article); localize(article); return; }
      var empty = posts.querySelector(".empty");
      if (empty) empty.remove();
      article.classList.add("fresh");
      // Newest first: place above the first post with a smaller id.
      var node = posts.firstElementChild;
      while (node && parseInt(node.getAttribute("data-id"), 10) > frame.id) {
        node = node.nextElementSibling;
      }
      posts.insertBefore(article, node);
      localize(article);
    } else if (frame.type === "delete") {
      var gone = document.getElementById("post-" + frame.id);
      if (gone) gone.remove();
      if (!document.querySelector(".pager a[rel=next]")) showEmpty();
    } else if (frame.type === "clear") {
      var all = posts.querySelectorAll(".post");
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

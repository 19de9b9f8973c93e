// The room page's live client (docs/protocol.md describes the frames).
// Without JavaScript, or while the socket is down, the form posts normally.
(function () {
  "use strict";

  var log = document.getElementById("chat-log");
  if (!log || !window.WebSocket) return;
  var form = document.getElementById("chat-form");
  var input = form && form.querySelector("input[name='text']");
  var nameInput = form && form.querySelector("input[name='display_name']");
  var statusLine = document.getElementById("chat-status");

  var lastSeen = parseInt(log.getAttribute("data-last-id"), 10) || 0;
  var socket = null;
  var attempt = 0;
  var retryTimer = null;
  var pending = {}; // client_id -> {frame, element}
  var counter = 0;

  function setStatus(state, text) {
    statusLine.hidden = false;
    statusLine.setAttribute("data-state", state);
    statusLine.textContent = text;
  }

  function socketUrl(after) {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + location.host + log.getAttribute("data-socket") + "?after=" + after;
  }

  function newClientId() {
    counter += 1;
    var random = Math.random().toString(36).slice(2, 10);
    return Date.now().toString(36) + "-" + random + "-" + counter;
  }

  function formatTime(iso) {
    var when = new Date(iso);
    if (isNaN(when.getTime())) return "";
    return when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function buildItem(author, text, created) {
    var item = document.createElement("li");
    item.className = "chat-message";
    var who = document.createElement("span");
    who.className = "author";
    who.textContent = author;
    var time = document.createElement("time");
    if (created) {
      time.setAttribute("datetime", created);
      time.textContent = formatTime(created);
    }
    var body = document.createElement("span");
    body.className = "text";
    body.textContent = text;
    item.appendChild(who);
    item.appendChild(document.createTextNode(" "));
    item.appendChild(time);
    item.appendChild(document.createTextNode(" "));
    item.appendChild(body);
    return item;
  }

  function dropEmptyNotice() {
    var empty = log.querySelector(".empty");
    if (empty) empty.remove();
  }

  function stickToBottom(fn) {
    var atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    fn();
    if (atBottom) log.scrollTop = log.scrollHeight;
  }

  // Insert by id so that replayed, live and caught-up messages stay in order.
  function placeById(item, id) {
    var node = log.lastElementChild;
    while (node && node.getAttribute("data-id") &&
           parseInt(node.getAttribute("data-id"), 10) > id) {
      node = node.previousElementSibling;
    }
    // Pending messages (no id yet) stay below the delivered ones.
    if (node && !node.getAttribute("data-id")) {
      while (node && !node.getAttribute("data-id")) node = node.previousElementSibling;
    }
    if (node) node.after(item); else log.prepend(item);
  }

  function showMessage(frame) {
    stickToBottom(function () {
      dropEmptyNotice();
      var existing = document.getElementById("message-" + frame.id);
      var own = frame.client_id && pending[frame.client_id];
      var item = buildItem(frame.author, frame.text, frame.created);
      item.id = "message-" + frame.id;
      item.setAttribute("data-id", frame.id);
      if (existing) {
        existing.replaceWith(item);
      } else {
        if (own) own.element.remove();
        placeById(item, frame.id);
      }
      if (own) {
        // The broadcast is sent on commit, so it proves delivery as much as
        // the ack does, whichever of the two arrives first.
        item.classList.add("delivered");
        delete pending[frame.client_id];
      }
    });
    if (frame.id > lastSeen) lastSeen = frame.id;
  }

  function showError(frame) {
    var target = frame.client_id && pending[frame.client_id];
    var note = document.createElement("span");
    note.className = "chat-error";
    note.setAttribute("role", "alert");
    note.textContent = " " + frame.detail;
    if (target) {
      target.element.classList.remove("pending");
      target.element.classList.add("failed");
      target.element.appendChild(note);
      // Not stored: only rate_limited is worth sending again by itself.
      if (frame.code === "rate_limited") {
        setTimeout(function () { resend(frame.client_id); }, frame.retry_after * 1000);
      } else {
        delete pending[frame.client_id];
      }
    } else {
      var item = document.createElement("li");
      item.className = "chat-message failed";
      item.appendChild(note);
      log.appendChild(item);
    }
  }

  function resend(clientId) {
    var entry = pending[clientId];
    if (!entry) return;
    var note = entry.element.querySelector(".chat-error");
    if (note) note.remove();
    entry.element.classList.remove("failed");
    entry.element.classList.add("pending");
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(entry.frame));
    }
  }

  function onFrame(event) {
    var frame;
    try { frame = JSON.parse(event.data); } catch (e) { return; }
    switch (frame.type) {
      case "message": showMessage(frame); break;
      case "ack": {
        var entry = pending[frame.client_id];
        var shown = entry ? entry.element : document.getElementById("message-" + frame.id);
        if (shown) {
          shown.classList.remove("pending");
          shown.classList.add("delivered");
        }
        break;
      }
      case "delete": {
        var gone = document.getElementById("message-" + frame.id);
        if (gone) gone.remove();
        break;
      }
      case "clear": {
        var items = log.querySelectorAll(".chat-message[data-id]");
        for (var i = 0; i < items.length; i++) items[i].remove();
        break;
      }
      case "replay_truncated":
        // More was missed than one replay holds: resume again from there.
        lastSeen = frame.next_after;
        reconnectNow();
        break;
      case "error": showError(frame); break;
    }
  }

  function connect() {
    retryTimer = null;
    setStatus("connecting", "Connecting…");
    var ws = new WebSocket(socketUrl(lastSeen));
    socket = ws;
    ws.onopen = function () {
      attempt = 0;
      setStatus("open", "Live");
      for (var id in pending) {
        if (Object.prototype.hasOwnProperty.call(pending, id)) resend(id);
      }
    };
    ws.onmessage = function (event) {
      if (socket === ws) onFrame(event); // ignore a replaced socket's last frames
    };
    ws.onclose = function (event) {
      if (socket !== ws) return;
      socket = null;
      if (event.code === 4409) { connect(); return; } // fell behind: resume at once
      if (event.code === 4404) { setStatus("closed", "This room was deleted."); return; }
      if (event.code === 4401) { setStatus("closed", "You were signed out: reload the page."); return; }
      scheduleReconnect(event.code === 4429 ? 10000 : 0);
    };
  }

  function reconnectNow() {
    var old = socket;
    socket = null;
    if (old) old.close(1000);
    connect();
  }

  function scheduleReconnect(minimum) {
    attempt += 1;
    // Exponential backoff with full jitter, so a restarted server is not
    // hit by every page at the same instant.
    var ceiling = Math.min(30000, 500 * Math.pow(2, attempt));
    var delay = Math.max(minimum, Math.random() * ceiling);
    setStatus("closed", "Disconnected: reconnecting in " + Math.ceil(delay / 1000) + " s…");
    retryTimer = setTimeout(connect, delay);
  }

  if (form && input) {
    form.addEventListener("submit", function (event) {
      if (!socket || socket.readyState !== WebSocket.OPEN) return; // plain POST
      event.preventDefault();
      var text = input.value;
      if (!text.trim()) return;
      var frame = { type: "message", text: text, client_id: newClientId() };
      if (nameInput && nameInput.value.trim()) frame.name = nameInput.value;
      var author = frame.name || log.getAttribute("data-user") || "guest";
      var item = buildItem(author, text, null);
      item.classList.add("pending");
      stickToBottom(function () { dropEmptyNotice(); log.appendChild(item); });
      pending[frame.client_id] = { frame: frame, element: item };
      socket.send(JSON.stringify(frame));
      input.value = "";
    });
  }

  window.addEventListener("online", function () {
    if (retryTimer) { clearTimeout(retryTimer); connect(); }
  });
  log.scrollTop = log.scrollHeight;
  connect();
})();

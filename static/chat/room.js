// The room page's live client (docs/protocol.md describes the frames).
// Without JavaScript the form posts normally. With it, nothing typed is lost:
// every message goes into an outbox, kept in sessionStorage until the server
// has stored it, and is sent one at a time, in order, whenever the socket is
// open. A message refused for going too fast is sent again once the server
// says it may be; one sent while the socket is down waits for the reconnect,
// even across a reload of the page.
(function () {
  "use strict";

  var log = document.getElementById("chat-log");
  if (!log || !window.WebSocket) return;
  var form = document.getElementById("chat-form");
  var input = form && form.querySelector("[name='text']");
  var nameInput = form && form.querySelector("input[name='display_name']");
  var statusLine = document.getElementById("chat-status");
  var member = log.getAttribute("data-user");
  var storageKey = "netsite.chat.outbox." + log.getAttribute("data-room");

  var lastSeen = parseInt(log.getAttribute("data-last-id"), 10) || 0;
  var socket = null;
  var attempt = 0;
  var retryTimer = null;
  var outbox = []; // [{frame, element}], oldest first: the messages not yet stored
  var inFlight = null; // client_id of the message sent and not yet answered
  var holdTimer = null; // set while the server asked us to wait (rate_limited)
  var counter = 0;

  function setStatus(state, text) {
    statusLine.hidden = false;
    statusLine.setAttribute("data-state", state);
    var waiting = outbox.length;
    if (state !== "open" && waiting) {
      text += " " + waiting + (waiting === 1 ? " message waits" : " messages wait") +
        " to be sent.";
    }
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

  // ``html`` is the server's rendering of the text (formatted, sanitized);
  // a message not stored yet has none and shows its text as typed.
  function buildItem(author, guest, text, html, created) {
    var item = document.createElement("li");
    item.className = "chat-message";
    var who = document.createElement("span");
    who.className = "author";
    who.textContent = author;
    item.appendChild(who);
    if (guest) {
      // As on the server-rendered page: a guest's name is only their choice.
      var badge = document.createElement("span");
      badge.className = "badge guest";
      badge.title = "Sent without an account";
      badge.textContent = "guest";
      item.appendChild(document.createTextNode(" "));
      item.appendChild(badge);
    }
    var time = document.createElement("time");
    if (created) {
      time.setAttribute("datetime", created);
      time.textContent = formatTime(created);
    }
    var body = document.createElement("div");
    body.className = "text";
    if (typeof html === "string") {
      body.className = "text formatted";
      body.innerHTML = html; // rendered and sanitized by the server
    } else {
      body.textContent = text;
    }
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

  // The log's box (.chat-scroll in chat.css) keeps the newest message in
  // view by itself, and leaves a reader who scrolled up where they are.
  function stickToBottom(fn) { fn(); }

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

  // The outbox ---------------------------------------------------------------

  function save() {
    try {
      var frames = outbox.map(function (entry) { return entry.frame; });
      if (frames.length) sessionStorage.setItem(storageKey, JSON.stringify(frames));
      else sessionStorage.removeItem(storageKey);
    } catch (e) { /* storage full or off: the outbox still lives in the page */ }
  }

  function find(clientId) {
    for (var i = 0; i < outbox.length; i++) {
      if (outbox[i].frame.client_id === clientId) return outbox[i];
    }
    return null;
  }

  function note(entry, text, kind) {
    var shown = entry.element.querySelector(".chat-error");
    if (!text) { if (shown) shown.remove(); return; }
    if (!shown) {
      shown = document.createElement("span");
      shown.className = "chat-error";
      shown.setAttribute("role", kind === "failed" ? "alert" : "status");
      entry.element.appendChild(shown);
    }
    shown.textContent = " " + text;
  }

  function hold(entry) {
    var item = buildItem(
      entry.frame.name || member || "guest", !member, entry.frame.text, null, null
    );
    item.classList.add("pending");
    entry.element = item;
    stickToBottom(function () { dropEmptyNotice(); log.appendChild(item); });
    outbox.push(entry);
  }

  function enqueue(frame) {
    hold({ frame: frame, element: null });
    save();
    pump();
  }

  // Send the oldest waiting message, if nothing else is on its way: one at a
  // time keeps them in the order they were typed, whatever the server refuses.
  function pump() {
    if (inFlight || holdTimer || !outbox.length) return;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    var entry = outbox[0];
    inFlight = entry.frame.client_id;
    socket.send(JSON.stringify(entry.frame));
  }

  // The server stored ``clientId``: take it out of the outbox, send the next.
  function settle(clientId) {
    var entry = find(clientId);
    if (entry) {
      outbox.splice(outbox.indexOf(entry), 1);
      save();
    }
    if (inFlight === clientId) inFlight = null;
    pump();
  }

  function restore() {
    var frames = [];
    try { frames = JSON.parse(sessionStorage.getItem(storageKey) || "[]"); } catch (e) {}
    if (!Array.isArray(frames)) return;
    frames.forEach(function (frame) {
      if (frame && typeof frame.text === "string" && frame.client_id) {
        hold({ frame: frame, element: null });
      }
    });
  }

  // Frames -------------------------------------------------------------------

  function markDelivered(item) {
    item.classList.remove("pending");
    item.classList.add("delivered");
  }

  function showMessage(frame) {
    stickToBottom(function () {
      dropEmptyNotice();
      var existing = document.getElementById("message-" + frame.id);
      var own = frame.client_id && find(frame.client_id);
      var item = buildItem(
        frame.author, frame.guest, frame.text, frame.html, frame.created
      );
      item.id = "message-" + frame.id;
      item.setAttribute("data-id", frame.id);
      if (window.netsiteItemActions) window.netsiteItemActions(item, frame.id);
      if (existing) {
        if (existing.classList.contains("delivered")) item.classList.add("delivered");
        existing.replaceWith(item);
        if (own && own.element !== existing) own.element.remove();
      } else {
        if (own) own.element.remove();
        placeById(item, frame.id);
      }
      // The broadcast is sent on commit, so it proves delivery as much as the
      // ack does, whichever of the two arrives first.
      if (own) markDelivered(item);
    });
    if (frame.id > lastSeen) lastSeen = frame.id;
    if (frame.client_id && find(frame.client_id)) settle(frame.client_id);
  }

  function onAck(frame) {
    var entry = find(frame.client_id);
    var stored = document.getElementById("message-" + frame.id);
    if (entry) {
      if (stored && stored !== entry.element) {
        // Already shown (the page loaded it, or the broadcast came first).
        entry.element.remove();
      } else {
        stored = entry.element;
        stored.id = "message-" + frame.id;
        stored.setAttribute("data-id", frame.id);
        note(entry, null);
        stored.remove();
        placeById(stored, frame.id);
      }
    }
    if (stored) markDelivered(stored);
    settle(frame.client_id);
  }

  function onError(frame) {
    var clientId = frame.client_id || inFlight;
    var entry = clientId && find(clientId);
    if (!entry) {
      var item = document.createElement("li");
      item.className = "chat-message failed";
      item.appendChild(document.createTextNode(frame.detail));
      log.appendChild(item);
      return;
    }
    if (inFlight === clientId) inFlight = null;
    if (frame.code === "rate_limited") {
      // Not stored, and not lost: the whole outbox waits, then goes on in order.
      var seconds = frame.retry_after || 1;
      note(entry, "Sending too fast: trying again in " + seconds + " s.", "waiting");
      clearTimeout(holdTimer);
      holdTimer = setTimeout(function () {
        holdTimer = null;
        note(entry, null);
        pump();
      }, seconds * 1000);
      return;
    }
    // Refused for what it says (too long, a name that is not yours...): keep
    // it on screen with the reason, and give the text back to fix and resend.
    outbox.splice(outbox.indexOf(entry), 1);
    save();
    entry.element.classList.remove("pending");
    entry.element.classList.add("failed");
    note(entry, frame.detail, "failed");
    if (input && !input.value) input.value = entry.frame.text;
    pump();
  }

  function onFrame(event) {
    var frame;
    try { frame = JSON.parse(event.data); } catch (e) { return; }
    switch (frame.type) {
      case "message": showMessage(frame); break;
      case "ack": onAck(frame); break;
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
      case "error": onError(frame); break;
    }
  }

  // The socket ---------------------------------------------------------------

  function connect() {
    retryTimer = null;
    setStatus("connecting", "Connecting…");
    var ws = new WebSocket(socketUrl(lastSeen));
    socket = ws;
    ws.onopen = function () {
      attempt = 0;
      setStatus("open", "Live");
      inFlight = null; // whatever was on its way goes again; its client_id
      pump(); //          makes the server store it once
    };
    ws.onmessage = function (event) {
      if (socket === ws) onFrame(event); // ignore a replaced socket's last frames
    };
    ws.onclose = function (event) {
      if (socket !== ws) return;
      socket = null;
      inFlight = null;
      if (event.code === 4409) { connect(); return; } // fell behind: resume at once
      if (event.code === 4404) { setStatus("closed", "This room was deleted."); return; }
      if (event.code === 4401) { setStatus("closed", "You were signed out: reload the page."); return; }
      if (event.code === 4403) { setStatus("closed", "You are banned: reload the page for details."); return; }
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
    // Enter sends, Shift+Enter starts a new line (as in most chat apps); an
    // Enter that confirms an input method's composition does neither.
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
      event.preventDefault();
      form.requestSubmit();
    });
    form.addEventListener("submit", function (event) {
      // Never the plain POST while the script runs: with the socket down it
      // would only show the browser's error page and lose the text.
      event.preventDefault();
      var text = input.value;
      if (!text.trim()) return;
      var frame = { type: "message", text: text, client_id: newClientId() };
      if (nameInput && nameInput.value.trim()) frame.name = nameInput.value;
      input.value = "";
      enqueue(frame);
      if (!socket || socket.readyState !== WebSocket.OPEN) {
        setStatus("closed", "Not connected: your message is kept and will be sent.");
      }
    });
  }

  window.addEventListener("online", function () {
    if (retryTimer) { clearTimeout(retryTimer); connect(); }
  });
  restore();
  connect();
})();

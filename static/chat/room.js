// The room page's live client (docs/protocol.md describes the frames).
// Without JavaScript the form posts normally. With it, nothing typed is lost:
// every message goes into an outbox, kept in sessionStorage until the server
// has stored it, and is sent one at a time, in order, whenever the socket is
// open. A message refused for going too fast is sent again once the server
// says it may be; one sent while the socket is down waits for the reconnect,
// even across a reload of the page.
//
// History: scrolling up loads older messages (chat.views.history, by keyset)
// above the ones shown, keeping what the reader sees in place. A page that
// does not reach the newest message (opened at an old message: /m/<id>/ or
// #message-<id>) loads newer ones as the reader scrolls down, and goes live
// once it has caught up. A member's page tells the server what they read
// (a "read" frame) while the newest message is in view.
(function () {
  "use strict";

  var log = document.getElementById("chat-log");
  if (!log || !window.WebSocket) return;
  var form = document.getElementById("chat-form");
  var input = form && form.querySelector("input[name='text']");
  var nameInput = form && form.querySelector("input[name='display_name']");
  var statusLine = document.getElementById("chat-status");
  var scroller = document.getElementById("chat-scroll");
  var member = log.getAttribute("data-user");
  var room = log.getAttribute("data-room");
  var storageKey = "netsite.chat.outbox." + room;
  var historyUrl = log.getAttribute("data-history");
  var hasOlder = log.getAttribute("data-has-older") === "true";
  var hasNewer = log.getAttribute("data-has-newer") === "true";
  var readAt = parseInt(log.getAttribute("data-read-at"), 10);
  var readSent = isNaN(readAt) ? 0 : readAt;
  var lastReadSend = 0;
  var readTimer = null;
  var loading = false;

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

  function messageUrl(id) {
    return "/chat/" + encodeURIComponent(room) + "/m/" + id + "/";
  }

  // The log changed: times in the reader's zone, the day separators redrawn.
  function relayout() {
    if (window.netsiteLocalize) window.netsiteLocalize(log);
    if (window.netsiteDays) window.netsiteDays(log);
  }

  function buildItem(author, guest, text, created, id) {
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
    // The same <time> as the server renders: netsite/localtime.js formats it.
    var time = document.createElement("time");
    time.setAttribute("data-format", "time");
    if (created) {
      time.setAttribute("datetime", created);
      time.textContent = created.slice(11, 16);
    }
    var stamp = time;
    if (id) {
      stamp = document.createElement("a");
      stamp.className = "permalink";
      stamp.href = messageUrl(id);
      stamp.appendChild(time);
    }
    var body = document.createElement("span");
    body.className = "text";
    body.textContent = text;
    item.appendChild(document.createTextNode(" "));
    item.appendChild(stamp);
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
      entry.frame.name || member || "guest", !member, entry.frame.text, null
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
      var item = buildItem(frame.author, frame.guest, frame.text, frame.created, frame.id);
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
      relayout();
    });
    if (frame.id > lastSeen) lastSeen = frame.id;
    markRead();
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
        var time = stored.querySelector("time");
        time.setAttribute("datetime", frame.created);
        time.textContent = frame.created.slice(11, 16);
        var link = document.createElement("a");
        link.className = "permalink";
        link.href = messageUrl(frame.id);
        time.replaceWith(link);
        link.appendChild(time);
        note(entry, null);
        stored.remove();
        placeById(stored, frame.id);
        relayout();
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
      case "room": {
        var title = document.getElementById("room-title");
        var topic = document.getElementById("room-topic");
        if (title) title.textContent = frame.title;
        if (topic) { topic.textContent = frame.topic; topic.hidden = !frame.topic; }
        document.title = frame.title + " · netsite";
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
      markRead();
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
    form.addEventListener("submit", function (event) {
      // Never the plain POST while the script runs: with the socket down it
      // would only show the browser's error page and lose the text.
      event.preventDefault();
      var text = input.value;
      if (!text.trim()) return;
      var frame = { type: "message", text: text, client_id: newClientId() };
      if (nameInput && nameInput.value.trim()) frame.name = nameInput.value;
      input.value = "";
      if (hasNewer) goLive(); // what is sent shows below the newest message
      enqueue(frame);
      if (!socket || socket.readyState !== WebSocket.OPEN) {
        setStatus("closed", "Not connected: your message is kept and will be sent.");
      }
    });
  }

  // History ------------------------------------------------------------------

  function ids(selector) {
    var items = log.querySelectorAll("li[data-id]");
    if (!items.length) return 0;
    var item = selector === "first" ? items[0] : items[items.length - 1];
    return parseInt(item.getAttribute("data-id"), 10);
  }

  // The log's box scrolls from its end (column-reverse): scrollTop is 0 with
  // the newest message in view and grows negative upwards.
  function fromBottom() { return Math.abs(scroller.scrollTop); }
  function fromTop() {
    return scroller.scrollHeight - scroller.clientHeight - fromBottom();
  }

  function fetchPage(query) {
    return fetch(historyUrl + "?" + query, {
      credentials: "same-origin", headers: { Accept: "text/html" },
    }).then(function (response) {
      if (!response.ok) throw new Error("history: " + response.status);
      return response.text();
    }).then(function (html) {
      var holder = document.createElement("template");
      holder.innerHTML = html;
      return holder.content.querySelector(".chat-page");
    });
  }

  function adopt(page, insert) {
    var items = page.querySelectorAll(":scope > li[data-id]");
    for (var i = 0; i < items.length; i++) {
      // Rendered with their report and moderation forms, as on the page.
      if (!document.getElementById(items[i].id)) insert(items[i]);
    }
    dropEmptyNotice();
  }

  // The "new messages" line above the first message after the reader's
  // pointer as the page opened, once the message before it is loaded too.
  function placeNewLine() {
    if (isNaN(readAt) || document.getElementById("new-messages")) return;
    var items = log.querySelectorAll("li[data-id]");
    for (var i = 1; i < items.length; i++) {
      if (parseInt(items[i].getAttribute("data-id"), 10) > readAt &&
          parseInt(items[i - 1].getAttribute("data-id"), 10) <= readAt) {
        var line = document.createElement("li");
        line.className = "new-messages";
        line.id = "new-messages";
        line.setAttribute("role", "separator");
        line.textContent = "New messages";
        log.insertBefore(line, items[i]);
        return;
      }
    }
  }

  function updateLinks() {
    var older = document.getElementById("older-link");
    if (older) {
      older.href = "?before=" + ids("first");
      older.parentNode.hidden = !hasOlder;
    }
    var newer = document.getElementById("newer-link");
    if (newer) {
      newer.href = "?after=" + ids("last");
      newer.parentNode.hidden = !hasNewer;
    }
  }

  function loadOlder() {
    if (loading || !hasOlder) return;
    loading = true;
    fetchPage("before=" + ids("first")).then(function (page) {
      hasOlder = page.getAttribute("data-has-older") === "true";
      var first = log.firstElementChild;
      // Added above: the box keeps its distance from the end, so what the
      // reader sees stays where it is.
      adopt(page, function (item) { log.insertBefore(item, first); });
      placeNewLine();
      relayout();
      updateLinks();
      loading = false;
      maybeLoad();
    }).catch(function () { loading = false; });
  }

  function loadNewer() {
    if (loading || !hasNewer) return;
    loading = true;
    fetchPage("after=" + ids("last")).then(function (page) {
      hasNewer = page.getAttribute("data-has-newer") === "true";
      var offset = scroller.scrollTop;
      var height = scroller.scrollHeight;
      var pending = log.querySelector("li.chat-message:not([data-id])");
      adopt(page, function (item) { log.insertBefore(item, pending); });
      placeNewLine();
      relayout();
      // Added below, where the box is anchored: keep what the reader sees.
      scroller.scrollTop = offset - (scroller.scrollHeight - height);
      updateLinks();
      loading = false;
      if (!hasNewer) goLive(); else maybeLoad();
    }).catch(function () { loading = false; });
  }

  // Caught up with the newest message (or asked to be): open the socket,
  // which replays whatever came since.
  function goLive() {
    hasNewer = false;
    updateLinks();
    lastSeen = Math.max(lastSeen, ids("last"));
    if (!socket && !retryTimer) connect();
  }

  function maybeLoad() {
    if (fromTop() < 400) loadOlder();
    if (hasNewer && fromBottom() < 400) loadNewer();
    markRead();
  }

  // Tell the server what this member read: the newest message, when it is in
  // view in a visible tab; at most one frame every two seconds.
  function markRead() {
    if (!member || hasNewer || document.visibilityState !== "visible") return;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    if (fromBottom() > 40 || lastSeen <= readSent) return;
    var wait = lastReadSend + 2000 - Date.now();
    if (wait > 0) {
      if (!readTimer) readTimer = setTimeout(function () { readTimer = null; markRead(); }, wait);
      return;
    }
    lastReadSend = Date.now();
    readSent = lastSeen;
    socket.send(JSON.stringify({ type: "read", id: lastSeen }));
  }

  // A link to one message: shown highlighted, or the page around it.
  function openLinkedMessage() {
    var match = /^#message-(\d+)$/.exec(location.hash);
    var target = match ? document.getElementById("message-" + match[1]) : null;
    if (match && !target) { location.replace(messageUrl(match[1])); return false; }
    target = target || log.querySelector(".highlighted");
    if (!target) return true;
    var shown = log.querySelectorAll(".highlighted");
    for (var i = 0; i < shown.length; i++) shown[i].classList.remove("highlighted");
    target.classList.add("highlighted");
    target.scrollIntoView({ block: "center" });
    return true;
  }

  window.addEventListener("online", function () {
    if (retryTimer) { clearTimeout(retryTimer); connect(); }
  });
  window.addEventListener("hashchange", openLinkedMessage);
  document.addEventListener("visibilitychange", markRead);
  scroller.addEventListener("scroll", maybeLoad, { passive: true });
  if (!openLinkedMessage()) return;
  restore();
  relayout();
  updateLinks();
  if (!hasNewer) connect();
  else if (outbox.length) goLive();
  maybeLoad();
})();

// The room page's live client (docs/protocol.md describes the frames).
// Without JavaScript the form posts normally. With it, nothing typed is lost:
// every message goes into an outbox, kept in sessionStorage until the server
// has stored it, and is sent one at a time, in order, whenever the socket is
// open. A message refused for going too fast is sent again once the server
// says it may be; one sent while the socket is down waits for the reconnect,
// even across a reload of the page. Your own messages (anyone's, for a
// moderator) carry Edit and Delete while the edit window lasts: they send
// edit and delete frames, and every open page sees the change live.
//
// The page also shows who is here (presence frames), who is typing (typing
// frames, sent at most every TYPING_EVERY ms while the text changes, shown for
// TYPING_SHOWN ms unless renewed, gone as soon as that person's message
// arrives), suggests members after an "@" in the text, and counts mentions of
// the reader in the page title: "(1) Lobby · netsite".
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
  var input = form && form.querySelector("[name='text']");
  var nameInput = form && form.querySelector("input[name='display_name']");
  var statusLine = document.getElementById("chat-status");
  var scroller = document.getElementById("chat-scroll");
  var member = log.getAttribute("data-user");
  var memberPageUrl = log.getAttribute("data-member-page"); // "~" for the username
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
  var moderator = log.getAttribute("data-moderator") === "true";
  var editWindow = parseInt(log.getAttribute("data-edit-window"), 10) || 0;
  var changing = {}; // message id -> its edit form (or true for a delete), sent

  var lastSeen = parseInt(log.getAttribute("data-last-id"), 10) || 0;
  var socket = null;
  var attempt = 0;
  var retryTimer = null;
  var outbox = []; // [{frame, element}], oldest first: the messages not yet stored
  var inFlight = null; // client_id of the message sent and not yet answered
  var holdTimer = null; // set while the server asked us to wait (rate_limited)
  var counter = 0;
  var TYPING_EVERY = 3000;
  var TYPING_SHOWN = 5000;
  var presenceLine = document.getElementById("chat-presence");
  var typingLine = document.getElementById("chat-typing");
  var typists = {}; // "name|guest" -> {name, timer}
  var typingSentAt = 0;
  var baseTitle = document.title;
  var mentions = 0;

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
    return scheme + location.host + log.getAttribute("data-socket") + "?after=" + after +
      "&presence=1";
  }

  function newClientId() {
    counter += 1;
    var random = Math.random().toString(36).slice(2, 10);
    return Date.now().toString(36) + "-" + random + "-" + counter;
  }

  function messageUrl(id) {
    return "/chat/" + encodeURIComponent(room) + "/m/" + id + "/";
  }

  // The address Django's reverse() gives: "@" and "+" stay as they are.
  function memberPage(username) {
    var quoted = encodeURIComponent(username).replace(/%40/g, "@").replace(/%2B/g, "+");
    return memberPageUrl.replace("~", quoted);
  }

  // The log changed: times in the reader's zone, the day separators redrawn.
  function relayout() {
    if (window.netsiteLocalize) window.netsiteLocalize(log);
    if (window.netsiteDays) window.netsiteDays(log);
  }

  function editedMark(iso) {
    var mark = document.createElement("span");
    mark.className = "edited";
    mark.setAttribute("data-edited", iso);
    var when = new Date(iso);
    mark.title = "Edited " + (isNaN(when.getTime()) ? iso : when.toLocaleString());
    mark.textContent = "(edited)";
    return mark;
  }

  // ``html`` is the server's rendering of the text (formatted, sanitized);
  // a message not stored yet has none and shows its text as typed, and no
  // ``id`` (the link to its page) either.
  function buildItem(author, username, guest, text, html, created, editedAt, id) {
    var item = document.createElement("li");
    item.className = "chat-message";
    // As on the server-rendered page: a member's name links to their page,
    // with their username beside it when the name is another.
    var who = document.createElement(username ? "a" : "span");
    who.className = "author";
    who.textContent = author;
    item.appendChild(who);
    if (username) {
      who.href = memberPage(username);
      who.title = "@" + username;
      if (username !== author) {
        var handle = document.createElement("span");
        handle.className = "username";
        handle.textContent = "@" + username;
        item.appendChild(document.createTextNode(" "));
        item.appendChild(handle);
      }
    }
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
    var body = document.createElement("div");
    body.className = "text";
    body.setAttribute("data-source", text); // what an edit starts from
    if (typeof html === "string") {
      body.className = "text formatted";
      body.innerHTML = html; // rendered and sanitized by the server
    } else {
      body.textContent = text;
    }
    item.appendChild(document.createTextNode(" "));
    item.appendChild(stamp);
    item.appendChild(document.createTextNode(" "));
    item.appendChild(body);
    if (editedAt) {
      item.appendChild(document.createTextNode(" "));
      item.appendChild(editedMark(editedAt));
    }
    return item;
  }

  // Edit and delete ----------------------------------------------------------

  // The server decides; this only offers the controls where it would agree.
  function mayChange(frame) {
    if (moderator) return true;
    if (!member || frame.guest || frame.author_username !== member || !editWindow) return false;
    var created = new Date(frame.created).getTime();
    return !isNaN(created) && Date.now() < created + editWindow * 1000;
  }

  function ownControls(item, id) {
    if (item.querySelector(".edit-own")) return;
    var actions = item.querySelector(".item-actions");
    if (!actions) {
      actions = document.createElement("div");
      actions.className = "item-actions";
      item.appendChild(actions);
    }
    var base = "/chat/messages/" + id + "/";
    var edit = document.createElement("a");
    edit.className = "edit-own";
    edit.href = base + "edit/";
    edit.textContent = "Edit";
    actions.prepend(edit);
    if (!actions.querySelector("form[action$='/delete/']")) {
      var remove = document.createElement("a");
      remove.className = "delete-own";
      remove.href = base + "remove/";
      remove.textContent = "Delete";
      edit.after(remove);
    }
  }

  function changeNote(item, text) {
    var shown = item.querySelector(".change-error");
    if (!text) { if (shown) shown.remove(); return; }
    if (!shown) {
      shown = document.createElement("span");
      shown.className = "change-error chat-error";
      shown.setAttribute("role", "alert");
      item.appendChild(shown);
    }
    shown.textContent = " " + text;
  }

  function sendChange(frame) {
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  function closeEditor(item) {
    var editor = item.querySelector(".chat-edit");
    if (editor) editor.remove();
    var text = item.querySelector(".text");
    if (text) text.hidden = false;
  }

  function openEditor(item) {
    var id = parseInt(item.getAttribute("data-id"), 10);
    var text = item.querySelector(".text");
    if (!id || !text || item.querySelector(".chat-edit")) return;
    var editor = document.createElement("form");
    editor.className = "chat-edit";
    var field = document.createElement("input");
    field.type = "text";
    field.name = "edit-text";
    field.value = text.getAttribute("data-source") || text.textContent;
    field.setAttribute("aria-label", "New text of the message");
    var save = document.createElement("button");
    save.type = "submit";
    save.textContent = "Save";
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "link";
    cancel.textContent = "Cancel";
    editor.append(field, save, cancel);
    text.hidden = true;
    text.after(editor);
    field.focus();
    cancel.addEventListener("click", function () {
      delete changing[id];
      changeNote(item, null);
      closeEditor(item);
    });
    editor.addEventListener("submit", function (event) {
      event.preventDefault();
      if (field.value === text.textContent) { closeEditor(item); return; }
      changeNote(item, null);
      if (!sendChange({ type: "edit", id: id, text: field.value })) {
        changeNote(item, "Not connected: try again in a moment.");
        return;
      }
      changing[id] = editor;
    });
  }

  function deleteFromPage(item) {
    var id = parseInt(item.getAttribute("data-id"), 10);
    if (!id || !window.confirm("Delete this message for everyone?")) return;
    changeNote(item, null);
    if (!sendChange({ type: "delete", id: id })) {
      changeNote(item, "Not connected: try again in a moment.");
      return;
    }
    changing[id] = true;
  }

  log.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.edit-own, a.delete-own");
    if (!link || !socket) return; // without the socket, the links' pages do it
    var item = link.closest(".chat-message[data-id]");
    if (!item) return;
    event.preventDefault();
    if (link.classList.contains("edit-own")) openEditor(item); else deleteFromPage(item);
  });

  function onChanged(frame) {
    var item = document.getElementById("message-" + frame.id);
    delete changing[frame.id];
    if (item) closeEditor(item);
  }

  function onChangeError(frame) {
    var item = document.getElementById("message-" + frame.id);
    delete changing[frame.id];
    if (item) changeNote(item, frame.detail);
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
      entry.frame.name || member || "guest", member || null, !member,
      entry.frame.text, null, null
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

  // Presence, typing and mentions ----------------------------------------------

  function showPresence(frame) {
    if (!presenceLine) return;
    presenceLine.textContent = "Here now: ";
    var members = frame.members || [];
    members.forEach(function (name, i) {
      var span = document.createElement("span");
      span.className = "present-member";
      span.textContent = name;
      presenceLine.appendChild(span);
      if (i < members.length - 1) presenceLine.appendChild(document.createTextNode(", "));
    });
    if (members.length && frame.guests) presenceLine.appendChild(document.createTextNode(" and "));
    if (frame.guests) {
      var guests = document.createElement("span");
      guests.className = "present-guests";
      guests.textContent = frame.guests + (frame.guests === 1 ? " guest" : " guests");
      presenceLine.appendChild(guests);
    }
    if (!members.length && !frame.guests) presenceLine.appendChild(document.createTextNode("nobody yet"));
    presenceLine.appendChild(document.createTextNode("."));
  }

  function showTypists() {
    if (!typingLine) return;
    var names = Object.keys(typists).map(function (key) { return typists[key].name; });
    if (!names.length) typingLine.textContent = "";
    else if (names.length === 1) typingLine.textContent = names[0] + " is typing…";
    else if (names.length === 2) typingLine.textContent = names[0] + " and " + names[1] + " are typing…";
    else typingLine.textContent = "Several people are typing…";
  }

  function typistKey(name, guest) { return name + "|" + (guest ? "guest" : "member"); }

  function stoppedTyping(key) {
    var typist = typists[key];
    if (!typist) return;
    clearTimeout(typist.timer);
    delete typists[key];
    showTypists();
  }

  function onTyping(frame) {
    var key = typistKey(frame.name, frame.guest);
    var typist = typists[key] || (typists[key] = { name: frame.name, timer: null });
    clearTimeout(typist.timer);
    typist.timer = setTimeout(function () { stoppedTyping(key); }, TYPING_SHOWN);
    showTypists();
  }

  function sendTyping() {
    if (!input || !input.value.trim()) return;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    var now = Date.now();
    if (now - typingSentAt < TYPING_EVERY) return;
    typingSentAt = now;
    var frame = { type: "typing" };
    if (nameInput && nameInput.value.trim()) frame.name = nameInput.value;
    socket.send(JSON.stringify(frame));
  }

  function showTitle() {
    document.title = (mentions ? "(" + mentions + ") " : "") + baseTitle;
  }

  function onMention(frame) {
    mentions += 1;
    showTitle();
    if (window.Notification && Notification.permission === "granted" &&
        (document.hidden || frame.room !== log.getAttribute("data-room"))) {
      var note = new Notification(frame.author + " mentioned you in " + frame.room_title, {
        body: frame.text, tag: "netsite-mention-" + frame.id
      });
      note.onclick = function () { window.focus(); location.href = frame.url; };
    }
  }

  function seen() {
    if (document.hidden || !mentions) return;
    mentions = 0;
    showTitle();
  }

  function showMessage(frame) {
    // A new message from someone typing ends their indicator; an edit does not.
    if (!document.getElementById("message-" + frame.id)) {
      stoppedTyping(typistKey(frame.author, frame.guest));
    }
    stickToBottom(function () {
      dropEmptyNotice();
      var existing = document.getElementById("message-" + frame.id);
      var own = frame.client_id && find(frame.client_id);
      var item = buildItem(
        frame.author, frame.author_username, frame.guest, frame.text, frame.html,
        frame.created, frame.edited_at, frame.id
      );
      item.id = "message-" + frame.id;
      item.setAttribute("data-id", frame.id);
      if (window.netsiteItemActions) window.netsiteItemActions(item, frame.id);
      if (mayChange(frame)) ownControls(item, frame.id);
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
    // A refused edit or delete names its message, never an outbox entry.
    if (frame.id && !frame.client_id && changing[frame.id]) {
      onChangeError(frame);
      return;
    }
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
      case "edited": case "deleted": onChanged(frame); break;
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
      case "presence": showPresence(frame); break;
      case "typing": onTyping(frame); break;
      case "mention": onMention(frame); break;
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
      if (hasNewer) goLive(); // what is sent shows below the newest message
      typingSentAt = 0; // the next words start a new "is typing"
      closeSuggestions();
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

  // Suggestions after "@" ------------------------------------------------------

  var suggestions = document.getElementById("chat-suggestions");
  var membersUrl = log.getAttribute("data-members");
  var asked = 0;
  var chosen = -1;
  var suggestTimer = null;

  function mentionAtCaret() {
    var before = input.value.slice(0, input.selectionStart);
    var found = /(^|[^\w])@([\w.@+-]*)$/.exec(before);
    return found ? { prefix: found[2], start: before.length - found[2].length } : null;
  }

  function closeSuggestions() {
    if (!suggestions) return;
    suggestions.hidden = true;
    suggestions.textContent = "";
    chosen = -1;
  }

  function choose(index) {
    var items = suggestions.children;
    for (var i = 0; i < items.length; i++) {
      items[i].setAttribute("aria-selected", i === index ? "true" : "false");
    }
    chosen = index;
  }

  function complete(name) {
    var at = mentionAtCaret();
    if (!at) return;
    var end = input.selectionStart;
    input.value = input.value.slice(0, at.start) + name + " " + input.value.slice(end);
    var caret = at.start + name.length + 1;
    input.setSelectionRange(caret, caret);
    closeSuggestions();
    input.focus();
  }

  function suggest() {
    var at = mentionAtCaret();
    if (!at || !suggestions || !membersUrl) { closeSuggestions(); return; }
    var ticket = ++asked;
    fetch(membersUrl + "?q=" + encodeURIComponent(at.prefix), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { members: [] }; })
      .then(function (data) {
        if (ticket !== asked) return; // a newer question is on its way
        closeSuggestions();
        var names = (data.members || []).filter(function (name) { return name !== member; });
        if (!names.length) return;
        names.forEach(function (name) {
          var item = document.createElement("li");
          item.setAttribute("role", "option");
          item.textContent = "@" + name;
          item.addEventListener("mousedown", function (event) {
            event.preventDefault(); // keep the focus in the text
            complete(name);
          });
          suggestions.appendChild(item);
        });
        suggestions.hidden = false;
        choose(0);
      })
      .catch(function () {});
  }

  if (input) {
    input.setAttribute("autocomplete", "off");
    input.addEventListener("input", function () {
      sendTyping();
      // One question per pause in the typing, not one per key.
      clearTimeout(suggestTimer);
      suggestTimer = setTimeout(suggest, 120);
    });
    input.addEventListener("keydown", function (event) {
      if (!suggestions || suggestions.hidden) return;
      var count = suggestions.children.length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        choose((chosen + (event.key === "ArrowDown" ? 1 : count - 1)) % count);
      } else if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        complete(suggestions.children[Math.max(chosen, 0)].textContent.slice(1));
      } else if (event.key === "Escape") {
        closeSuggestions();
      }
    });
    input.addEventListener("blur", closeSuggestions);
  }

  // Browser notifications are asked for only when the reader clicks for them.
  var notify = document.getElementById("chat-notify");
  if (notify && window.Notification && Notification.permission === "default") {
    notify.hidden = false;
    notify.addEventListener("click", function () {
      Notification.requestPermission().then(function () { notify.hidden = true; });
    });
  }
  window.addEventListener("focus", seen);
  document.addEventListener("visibilitychange", seen);

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

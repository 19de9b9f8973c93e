// The list of rooms, live (docs/protocol.md, "Room list"): a room where a
// message was posted moves to the top and, for a member who opened it
// before, its unread count rises; a member's read elsewhere resets it; a new
// title or topic shows at once. Without JavaScript the list is as loaded.
(function () {
  "use strict";

  var list = document.getElementById("room-list");
  if (!list || !window.WebSocket) return;
  var member = list.getAttribute("data-user");
  var attempt = 0;

  function row(slug) {
    var rows = list.querySelectorAll("li[data-room]");
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].getAttribute("data-room") === slug) return rows[i];
    }
    return null;
  }

  function setUnread(item, count) {
    var badge = item.querySelector(".unread");
    if (!badge) return; // a room this member never opened: no count
    badge.setAttribute("data-unread", count);
    badge.textContent = count + " unread";
    badge.hidden = !count;
  }

  function onActivity(frame) {
    var item = row(frame.room);
    if (!item) return; // a new room: shown on the next load
    if (frame.id <= parseInt(item.getAttribute("data-last-id"), 10)) return;
    item.setAttribute("data-last-id", frame.id);
    var time = item.querySelector("time");
    if (time) {
      time.setAttribute("datetime", frame.created);
      time.removeAttribute("data-local");
      if (window.netsiteLocalize) window.netsiteLocalize(item);
    }
    var count = item.querySelector(".message-count");
    if (count) {
      var n = parseInt(count.getAttribute("data-count"), 10) + 1;
      count.setAttribute("data-count", n);
      count.textContent = n + (n === 1 ? " message" : " messages");
    }
    var own = member && frame.author_username === member;
    var badge = item.querySelector(".unread");
    if (badge && !own) {
      setUnread(item, parseInt(badge.getAttribute("data-unread"), 10) + 1);
    }
    if (list.firstElementChild !== item) list.prepend(item);
  }

  function onFrame(event) {
    var frame;
    try { frame = JSON.parse(event.data); } catch (e) { return; }
    var item;
    switch (frame.type) {
      case "activity": onActivity(frame); break;
      case "read":
        item = row(frame.room);
        if (item) setUnread(item, frame.unread);
        break;
      case "room":
        item = row(frame.room);
        if (item) {
          item.querySelector(".room-title").textContent = frame.title;
          item.querySelector(".room-topic").textContent = frame.topic;
        }
        break;
    }
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + location.host + list.getAttribute("data-socket"));
    ws.onopen = function () { attempt = 0; list.setAttribute("data-live", ""); };
    ws.onmessage = onFrame;
    ws.onclose = function (event) {
      list.removeAttribute("data-live");
      if (event.code === 4401 || event.code === 4403) return;
      attempt += 1;
      // What was missed while away is on the next load; reconnect with jitter.
      setTimeout(connect, Math.random() * Math.min(30000, 500 * Math.pow(2, attempt)));
    };
  }

  connect();
})();

// The live review queue for moderators (/ws/moderation/, docs/protocol.md):
// keeps every open-report count on the page current (the admin's badge) and,
// on board and chat pages, shows a notice when a new report comes in.
(function () {
  "use strict";

  var badge = document.getElementById("report-badge");
  if (!badge || !window.WebSocket) return;
  var notice = document.getElementById("report-notice");
  var attempt = 0;

  function show(frame) {
    var counts = document.querySelectorAll("[data-report-count]");
    for (var i = 0; i < counts.length; i++) counts[i].textContent = frame.open;
    badge.setAttribute("data-open", frame.open);
    badge.classList.toggle("has-open", frame.open > 0);
    if (!frame.report) return;
    badge.classList.add("fresh");
    if (notice) {
      var news = notice.querySelector(".report-news");
      news.textContent = "New report of a " + frame.report.kind + ": “" +
        frame.report.excerpt + "” (" + frame.report.reason + ")";
      notice.hidden = false;
    }
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + location.host + badge.getAttribute("data-socket"));
    ws.onopen = function () { attempt = 0; badge.setAttribute("data-live", "open"); };
    ws.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame.type === "reports") show(frame);
    };
    ws.onclose = function (event) {
      badge.setAttribute("data-live", "closed");
      if (event.code === 4403) return; // banned: stay closed
      attempt += 1;
      setTimeout(connect, Math.random() * Math.min(30000, 500 * Math.pow(2, attempt)));
    };
  }

  connect();
})();

// Show every <time datetime="..."> in the reader's own time zone. The server
// renders a readable fallback (in its own zone, UTC by default), so pages
// stay correct without JavaScript. One format everywhere:
// - data-format="time" (a chat message): "14:05", the full date in its title;
// - data-format="day" (a day separator): "Today", "Yesterday", "Monday 16
//   November" (with the year when it is not this one);
// - anything else: date and time.
// A list marked data-days gets one day separator above the first message of
// each of the reader's days: netsiteDays(list) redraws them after the list
// changed (the server drew them in its own zone).
(function () {
  "use strict";
  var full = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
  });
  var clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  var dayOfYear = new Intl.DateTimeFormat(undefined, {
    weekday: "long", day: "numeric", month: "long",
  });
  var dayWithYear = new Intl.DateTimeFormat(undefined, {
    weekday: "long", day: "numeric", month: "long", year: "numeric",
  });

  // The reader's calendar day of a moment, as "YYYY-MM-DD".
  function localDay(when) {
    var month = String(when.getMonth() + 1).padStart(2, "0");
    var day = String(when.getDate()).padStart(2, "0");
    return when.getFullYear() + "-" + month + "-" + day;
  }

  function dayLabel(key) {
    var parts = key.split("-").map(Number);
    var noon = new Date(parts[0], parts[1] - 1, parts[2], 12);
    var today = new Date();
    if (key === localDay(today)) return "Today";
    var yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1, 12);
    if (key === localDay(yesterday)) return "Yesterday";
    var format = parts[0] === today.getFullYear() ? dayOfYear : dayWithYear;
    // "Monday 16 November": the parts in that order, whatever the locale's.
    var bits = {};
    format.formatToParts(noon).forEach(function (p) { bits[p.type] = p.value; });
    return bits.weekday + " " + bits.day + " " + bits.month + (bits.year ? " " + bits.year : "");
  }

  function localize(root) {
    var nodes = (root || document).querySelectorAll("time[datetime]:not([data-local])");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      var kind = node.getAttribute("data-format");
      if (kind === "day") {
        node.textContent = dayLabel(node.getAttribute("datetime"));
        node.setAttribute("data-local", "");
        continue;
      }
      var when = new Date(node.getAttribute("datetime"));
      if (isNaN(when.getTime())) continue;
      if (kind === "time") {
        node.title = full.format(when);
        node.textContent = clock.format(when);
      } else {
        node.title = node.textContent.trim();
        var prefix = node.textContent.indexOf("Posted:") === 0 ? "Posted: " : "";
        node.textContent = prefix + full.format(when);
      }
      node.setAttribute("data-local", "");
    }
  }

  function separator(key) {
    var item = document.createElement("li");
    item.className = "day-separator";
    item.setAttribute("role", "separator");
    var time = document.createElement("time");
    time.setAttribute("datetime", key);
    time.setAttribute("data-format", "day");
    time.textContent = dayLabel(key);
    time.setAttribute("data-local", "");
    item.appendChild(time);
    return item;
  }

  // Redraw the day separators of ``list`` in the reader's time zone.
  function days(list) {
    var old = list.querySelectorAll(":scope > .day-separator");
    for (var i = 0; i < old.length; i++) old[i].remove();
    var previous = null;
    var items = list.querySelectorAll(":scope > li[data-id]");
    for (var j = 0; j < items.length; j++) {
      var time = items[j].querySelector("time[datetime]");
      var when = time && new Date(time.getAttribute("datetime"));
      if (!when || isNaN(when.getTime())) continue;
      var key = localDay(when);
      if (key !== previous) {
        var before = items[j];
        // Above the "new messages" line when it opens the day.
        var prev = before.previousElementSibling;
        if (prev && prev.classList.contains("new-messages")) before = prev;
        list.insertBefore(separator(key), before);
      }
      previous = key;
    }
  }

  window.netsiteLocalize = localize;
  window.netsiteDays = days;
  document.addEventListener("DOMContentLoaded", function () {
    localize(document);
    var lists = document.querySelectorAll("[data-days]");
    for (var i = 0; i < lists.length; i++) days(lists[i]);
  });
})();

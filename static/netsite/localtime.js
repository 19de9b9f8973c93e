// Show every <time datetime="..."> in the reader's own time zone. The server
// renders a readable UTC fallback, so pages stay correct without JavaScript.
(function () {
  "use strict";
  var format = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
  });

  function localize(root) {
    var nodes = (root || document).querySelectorAll("time[datetime]:not([data-local])");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      var when = new Date(node.getAttribute("datetime"));
      if (isNaN(when.getTime())) continue;
      node.title = node.textContent.trim();
      var prefix = node.textContent.indexOf("Posted:") === 0 ? "Posted: " : "";
      node.textContent = prefix + format.format(when);
      node.setAttribute("data-local", "");
    }
  }

  window.netsiteLocalize = localize;
  document.addEventListener("DOMContentLoaded", function () { localize(document); });
})();

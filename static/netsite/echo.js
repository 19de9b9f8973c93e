// /lab/echo/: a plain HTML5 WebSocket client that logs every event.
(function () {
  "use strict";

  var form = document.getElementById("echo-form");
  if (!form) return;
  var input = document.getElementById("echo-text");
  var log = document.getElementById("echo-log");
  var toggle = document.getElementById("echo-toggle");
  var socket = null;

  function write(kind, text) {
    var item = document.createElement("li");
    var label = document.createElement("strong");
    label.textContent = kind + " ";
    item.appendChild(label);
    item.appendChild(document.createTextNode(text));
    log.appendChild(item);
  }

  function open() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var url = scheme + location.host + form.getAttribute("data-socket");
    write("connecting", url);
    socket = new WebSocket(url);
    socket.binaryType = "arraybuffer";
    socket.onopen = function () { write("open", "connected"); toggle.textContent = "Disconnect"; };
    socket.onmessage = function (event) {
      if (typeof event.data === "string") {
        write("message", "text: " + event.data);
      } else {
        var bytes = new Uint8Array(event.data);
        write("message", "binary, " + bytes.length + " bytes: " + new TextDecoder().decode(bytes));
      }
    };
    socket.onerror = function () { write("error", "the connection failed"); };
    socket.onclose = function (event) {
      write("close", "code " + event.code + (event.reason ? ", " + event.reason : ""));
      toggle.textContent = "Connect";
      socket = null;
    };
  }

  function ready() {
    if (socket && socket.readyState === WebSocket.OPEN) return true;
    write("error", "not connected");
    return false;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (ready()) { socket.send(input.value); write("sent", "text: " + input.value); }
  });
  document.getElementById("echo-binary").addEventListener("click", function () {
    if (ready()) {
      socket.send(new TextEncoder().encode(input.value));
      write("sent", "binary: " + input.value);
    }
  });
  toggle.addEventListener("click", function () {
    if (socket) socket.close(1000, "closed by the page"); else open();
  });
  open();
})();

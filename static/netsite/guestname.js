// Remember a guest's name in this browser and fill it in on every form that
// asks for one ("Your name" on the board and in chat rooms). The server keeps
// it in the session after a form post, but chat messages sent over the socket
// never reach a view that could.
(function () {
  "use strict";
  var KEY = "netsite.guestName";
  var store;
  try { store = window.localStorage; store.getItem(KEY); } catch (e) { return; }

  function remember(input) {
    input.form.addEventListener("submit", function () {
      try { store.setItem(KEY, input.value.trim()); } catch (e) { /* full or off */ }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var inputs = document.querySelectorAll("input[name='display_name']");
    var saved = store.getItem(KEY);
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (!input.form) continue;
      // A form shown again with its errors keeps what was typed into it.
      var refused = input.form.querySelector(".form-errors, .field-error, .errorlist");
      if (saved !== null && !refused) input.value = saved;
      remember(input);
    }
  });
})();

// Report (and, for moderators, hide / delete) forms on posts and messages
// that arrive live: the page renders one set of forms for item 0 in
// <template id="item-actions-template">; a copy, pointed at the new item,
// goes under each live item. Items rendered by the server have theirs.
(function () {
  "use strict";

  var template = document.getElementById("item-actions-template");

  window.netsiteItemActions = function (element, id) {
    if (!template || !element || element.querySelector(".item-actions")) return;
    var actions = template.content.firstElementChild;
    if (!actions) return;
    var copy = actions.cloneNode(true);
    var forms = copy.querySelectorAll("form");
    for (var i = 0; i < forms.length; i++) {
      var action = forms[i].getAttribute("action");
      forms[i].setAttribute("action", action.replace(/\/0\/([a-z]+)\/$/, "/" + id + "/$1/"));
    }
    element.appendChild(copy);
  };
})();

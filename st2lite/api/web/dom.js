// The few DOM helpers every script of the page uses. Text goes in with textContent only.
"use strict";

var Dom = (function () {
  function byId(id) { return document.getElementById(id); }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  return {byId: byId, element: element};
})();

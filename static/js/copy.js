/* Copy buttons and print buttons for the portal and the public verification page. Without
   JavaScript the buttons stay hidden and the text stays selectable in its read-only field. */
(function () {
  "use strict";
  var status = document.querySelector("[data-copy-status]");

  function announce(message) {
    if (status) { status.textContent = ""; window.setTimeout(function () { status.textContent = message; }, 50); }
  }

  function fallbackCopy(field) {
    field.focus();
    field.select();
    try { return document.execCommand("copy"); } catch (e) { return false; }
  }

  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    if (!field) { return; }
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = field.value !== undefined ? field.value : field.textContent;
      var done = function () {
        button.textContent = button.getAttribute("data-copied") || "\u2713 " + label;
        announce(button.getAttribute("data-copied") || label + ": \u2713");
        window.setTimeout(function () { button.textContent = label; }, 2500);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { if (fallbackCopy(field)) { done(); } });
      } else if (fallbackCopy(field)) {
        done();
      }
    });
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();

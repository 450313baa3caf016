/* Loaded in the head, before the page is drawn: it marks the page as having
   JavaScript (so that the styles for enhanced controls apply from the first
   paint, with no layout shift), and opens and closes the filter panel that
   narrow screens fold away. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");

  function sync() {
    var open = root.hasAttribute("data-filters-open");
    document.querySelectorAll(".filters__toggle").forEach(function (button) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  document.addEventListener("click", function (event) {
    if (!event.target.closest(".filters__toggle")) return;
    root.toggleAttribute("data-filters-open");
    sync();
  });
  document.addEventListener("filters:replaced", sync);

  // "Copy the code" buttons: hidden without JavaScript, where the text
  // box alone does (select it and copy).
  function copyText(button) {
    var id = button.getAttribute("data-copy");
    var box = document.getElementById(id);
    var status = document.querySelector("[data-copy-status='" + id + "']");
    if (!box) return;
    var done = function (ok) {
      if (status) status.textContent = ok ? button.getAttribute("data-copied") || "Copied." : "";
    };
    box.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(box.value).then(function () { done(true); }, function () { done(false); });
    } else {
      done(document.execCommand && document.execCommand("copy"));
    }
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (button) copyText(button);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.hidden = false;
    });
  });
})();

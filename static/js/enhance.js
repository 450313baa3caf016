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
})();

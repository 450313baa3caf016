/* The list of initiatives, enhanced: filters apply as they change and the
   results update in place, with the address following so that every view
   stays a link to share. Without this script the form and links work as
   they are. */
(function () {
  "use strict";

  var browse = document.getElementById("browse");
  if (!browse || !window.fetch || !window.history.pushState) return;
  var status = document.getElementById("results-status");
  var listPath = new URL(document.querySelector("#filters").getAttribute("action"), window.location.href).pathname;
  var controller = null;

  function queryFromForm(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (value !== "") params.append(name, value);
    });
    return params.toString();
  }

  function load(url, push) {
    if (controller) controller.abort();
    controller = new AbortController();
    var focusedId = document.activeElement && document.activeElement.id;
    browse.setAttribute("aria-busy", "true");
    return fetch(url, { headers: { "X-Partial": "browse" }, signal: controller.signal })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;  // our own server's rendering of the same partial
        var fresh = holder.querySelector("#browse");
        if (!fresh) throw new Error("no results");
        browse.replaceWith(fresh);
        browse = fresh;
        if (push) window.history.pushState({}, "", url);
        var heading = browse.querySelector("#results-heading");
        if (status && heading) status.textContent = heading.textContent.trim();
        var again = focusedId && document.getElementById(focusedId);
        if (again) again.focus();
        bind();
      })
      .catch(function (error) {
        if (error.name === "AbortError") return;
        window.location.href = url;  // fall back to a normal page load
      });
  }

  function bind() {
    var form = browse.querySelector("#filters");
    if (!form) return;
    browse.classList.add("js-live");
    // The fold-away state of the filters lives on <html>: tell the new toggle.
    document.dispatchEvent(new Event("filters:replaced"));
    form.addEventListener("change", function (event) {
      // The search and postcode boxes wait for Enter or the search button.
      if (event.target.name === "q" || event.target.name === "near") return;
      load(listPath + "?" + queryFromForm(form), true);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      load(listPath + "?" + queryFromForm(form), true);
    });
    browse.addEventListener("click", function (event) {
      var link = event.target.closest("a[href]");
      if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      var url = new URL(link.getAttribute("href"), window.location.href);
      if (url.origin !== window.location.origin || url.pathname !== listPath) return;
      event.preventDefault();
      load(url.pathname + url.search, true);
      if (link.closest(".pagination")) browse.scrollIntoView();
    });
  }

  window.addEventListener("popstate", function () {
    load(window.location.pathname + window.location.search, false);
  });
  bind();
})();

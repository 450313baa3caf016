/*
 * The submission form, made easier with JavaScript (it works without):
 *  - a map on which the pin is dragged or placed with a click, kept in step
 *    with the latitude and longitude fields; without a pin it shows the
 *    centre of the chosen place, which is what the initiative gets;
 *  - fields that matter only after a box is ticked appear when it is;
 *  - empty photo and organisation rows fold away behind "Add another";
 *  - a placed pin suggests the smallest place whose boundary holds it;
 *  - the error summary takes the focus, so that it is read first.
 * Written for a strict Content Security Policy: no inline code, no HTML
 * built from data.
 */
(function () {
  "use strict";

  var PIN_WIDTH = 28;
  var PIN_TIP = 31;

  function loadStyle(url) {
    return new Promise(function (resolve) {
      var link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = url;
      link.onload = link.onerror = function () { resolve(); };
      document.head.appendChild(link);
    });
  }

  function loadScript(url) {
    return new Promise(function (resolve) {
      var script = document.createElement("script");
      script.src = url;
      script.async = false;
      script.onload = script.onerror = function () { resolve(); };
      document.head.appendChild(script);
    });
  }

  function byName(form, name) {
    return form.querySelector("[name='" + name + "']");
  }

  // The centre of the place typed in `input`, from its datalist option.
  function placeCentre(input) {
    if (!input || !input.list) return null;
    var value = input.value.trim().toLowerCase();
    var options = input.list.options;
    for (var i = 0; i < options.length; i++) {
      if (options[i].value.toLowerCase() === value && options[i].dataset.lat) {
        return [parseFloat(options[i].dataset.lat), parseFloat(options[i].dataset.lng)];
      }
    }
    return null;
  }

  function setUpPin(form) {
    var element = document.getElementById("pin-map");
    var configElement = document.getElementById("pin-config");
    if (!element || !configElement) return;
    var config = JSON.parse(configElement.textContent);
    var lat = byName(form, "latitude");
    var lng = byName(form, "longitude");
    var place = byName(form, "place");
    var within = byName(form, "new_place_within");
    var newPlace = byName(form, "new_place");
    var clear = document.getElementById("pin-clear");

    Promise.all(config.styles.map(loadStyle).concat(config.scripts.map(loadScript))).then(function () {
      if (!window.L) return;
      element.hidden = false;
      var map = L.map(element, { scrollWheelZoom: false }).setView(config.center, config.zoom);
      // The outline, then the tiles (js/basemap.js, named by config.scripts).
      if (window.communityPowerMap && window.communityPowerMap.basemap) {
        window.communityPowerMap.basemap(map, config);
      } else {
        element.classList.add("map--no-tiles");
      }
      var icon = L.divIcon({
        className: "map-pin",
        html: "",
        iconSize: [PIN_WIDTH, 40],
        iconAnchor: [PIN_WIDTH / 2, PIN_TIP],
      });
      var marker = L.marker(config.center, {
        draggable: true,
        keyboard: true,
        icon: icon,
        title: element.getAttribute("aria-label"),
        alt: element.getAttribute("aria-label"),
      }).addTo(map);

      function hasPin() {
        return lat.value.trim() !== "" && lng.value.trim() !== "";
      }

      function centre() {
        var input = newPlace && newPlace.checked ? within : place;
        return placeCentre(input);
      }

      // Show the pin where the initiative will be: the typed pin, or else
      // the place's centre (faded, as it is not a pin of the user's own).
      function sync(pan) {
        var point = null;
        if (hasPin()) {
          var a = parseFloat(lat.value);
          var b = parseFloat(lng.value);
          if (isFinite(a) && isFinite(b) && Math.abs(a) <= 90 && Math.abs(b) <= 180) point = [a, b];
        }
        marker.setOpacity(point ? 1 : 0.55);
        clear.hidden = !point;
        point = point || centre();
        if (!point) return;
        marker.setLatLng(point);
        if (pan) map.setView(point, Math.max(map.getZoom(), 12));
      }

      function place_pin(latlng) {
        lat.value = latlng.lat.toFixed(6);
        lng.value = latlng.lng.toFixed(6);
        sync(false);
        suggestPlace(config, newPlace && newPlace.checked ? within : place, latlng);
      }

      marker.on("dragend", function () { place_pin(marker.getLatLng()); });
      map.on("click", function (event) { place_pin(event.latlng); });
      [lat, lng].forEach(function (input) {
        input.addEventListener("change", function () { sync(true); });
      });
      [place, within, newPlace].forEach(function (input) {
        if (input) input.addEventListener("change", function () { if (!hasPin()) sync(true); });
      });
      clear.addEventListener("click", function () {
        lat.value = "";
        lng.value = "";
        sync(true);
        lat.focus();
      });
      sync(true);
    });
  }

  // "This pin is in <place>: use it?", from the smallest place whose
  // boundary holds the pin. Only a suggestion: nothing changes unless the
  // button is pressed, and without it (or without JavaScript) the form is the same.
  var asked = 0;

  function suggestPlace(config, input, latlng) {
    var box = document.getElementById("pin-suggestion");
    if (!box || !input || !config.containingUrl || !window.fetch) return;
    var ask = ++asked;
    var url = config.containingUrl + "?lat=" + latlng.lat.toFixed(6) + "&lng=" + latlng.lng.toFixed(6);
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { place: null }; })
      .then(function (data) {
        if (ask !== asked) return; // a later pin asked since
        var found = data && data.place;
        box.textContent = "";
        box.hidden = !found || input.value.trim() === found.label;
        if (box.hidden) return;
        box.appendChild(document.createTextNode((box.dataset.text || "This pin is in {place}.").replace("{place}", found.name) + " "));
        var button = document.createElement("button");
        button.type = "button";
        button.className = "button button--secondary";
        button.textContent = box.dataset.use || "Use it as the place served";
        button.addEventListener("click", function () {
          input.value = found.label;
          input.dispatchEvent(new Event("change", { bubbles: true }));
          box.hidden = true;
          input.focus();
        });
        box.appendChild(button);
      })
      .catch(function () { box.hidden = true; });
  }

  // A field shown only while a checkbox is ticked (or while it has a value
  // or an error, so that nothing typed is hidden).
  function dependent(form, checkboxName, fieldName) {
    var box = byName(form, checkboxName);
    var input = byName(form, fieldName);
    if (!box || !input) return;
    var wrapper = input.closest(".field");
    function sync() {
      var keep = box.checked || input.value.trim() !== "" || wrapper.classList.contains("field--error");
      wrapper.hidden = !keep;
    }
    box.setAttribute("aria-controls", input.id);
    box.addEventListener("change", sync);
    sync();
  }

  function rowIsEmpty(row) {
    if (row.querySelector(".field--error, .kept-photo")) return false;
    var inputs = row.querySelectorAll("input, textarea");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.type === "checkbox" ? input.checked : input.type !== "hidden" && input.value.trim() !== "") {
        return false;
      }
    }
    return true;
  }

  // Rows past the first empty one fold away behind an "Add another" button.
  function foldRows(fieldset, label) {
    if (!fieldset) return;
    var rows = Array.prototype.slice.call(fieldset.querySelectorAll(".repeat-row"));
    var empty = rows.filter(rowIsEmpty);
    var hidden = empty.slice(1);
    if (!hidden.length) return;
    hidden.forEach(function (row) { row.hidden = true; });
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button--secondary";
    button.textContent = label;
    button.addEventListener("click", function () {
      var next = hidden.shift();
      if (next) {
        next.hidden = false;
        var first = next.querySelector("input:not([type=hidden]), select");
        if (first) first.focus();
      }
      if (!hidden.length) button.remove();
    });
    var paragraph = document.createElement("p");
    paragraph.appendChild(button);
    fieldset.appendChild(paragraph);
  }

  function start() {
    var form = document.getElementById("submission-form");
    if (!form) return;
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
    dependent(form, "new_place", "new_place_within");
    dependent(form, "credit_submitter", "public_name");
    form.querySelectorAll("[name$='-is_new']").forEach(function (box) {
      dependent(form, box.name, box.name.replace(/is_new$/, "website"));
    });
    foldRows(document.getElementById("organisations-fieldset"), form.dataset.addOrganisation || "Add another organisation");
    foldRows(document.getElementById("photos-fieldset"), form.dataset.addPhoto || "Add another photo");
    setUpPin(form);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

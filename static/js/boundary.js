/*
 * A place's outline on the page's map: each element with
 * data-boundary-url="<the place's boundary.geojson>" draws that outline on
 * the Leaflet map that js/map.js sets up in the same page (it keeps it in
 * its element's leafletMap), once there is one. Without JavaScript, or
 * without a map, the element's own link downloads the GeoJSON.
 *
 * Written for a strict Content Security Policy: no inline code, no HTML
 * built from data.
 */
(function () {
  "use strict";

  var STYLE = { color: "#0b6e4f", weight: 2, opacity: 0.9, fillColor: "#0b6e4f", fillOpacity: 0.06 };
  var WAIT_MS = 200;
  var GIVE_UP_MS = 20000;

  function readyMap() {
    var element = document.querySelector(".map.map--ready");
    return element && element.leafletMap ? element.leafletMap : null;
  }

  /* map.js loads Leaflet after the page is drawn: wait for its map. */
  function whenMap(callback) {
    var waited = 0;
    (function look() {
      var map = readyMap();
      if (map) return callback(map);
      waited += WAIT_MS;
      if (waited < GIVE_UP_MS) window.setTimeout(look, WAIT_MS);
    })();
  }

  function draw(map, data, fit) {
    var layer = L.geoJSON(data, { style: function () { return STYLE; }, interactive: false });
    layer.addTo(map);
    if (fit && layer.getBounds().isValid()) {
      map.fitBounds(layer.getBounds(), { padding: [12, 12], maxZoom: 15 });
    }
  }

  function start() {
    var elements = document.querySelectorAll("[data-boundary-url]");
    if (!elements.length || !window.fetch) return;
    // A view someone chose (bbox in the address) is kept; otherwise the map
    // shows the whole place.
    var fit = !/[?&]bbox=/.test(window.location.search);
    Array.prototype.forEach.call(elements, function (element) {
      var url = element.getAttribute("data-boundary-url");
      fetch(url, { headers: { Accept: "application/geo+json, application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status + " for " + url);
          return response.json();
        })
        .then(function (data) {
          whenMap(function (map) { draw(map, data, fit); });
        })
        .catch(function (error) {
          if (window.console) window.console.error(error);
        });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

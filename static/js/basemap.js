/*
 * The base of every map (map.js and submit.js call it): the outline of the
 * UK and Ireland, a small GeoJSON file from this site drawn on a sea-coloured
 * ground (map.css), so that a map is never blank while its tiles load or
 * where they are blocked; and over it what config.basemap names:
 *   "tiles"   raster tiles from config.tileUrl;
 *   "pmtiles" one .pmtiles file at config.pmtilesUrl, drawn by
 *             protomaps-leaflet (loaded before this file in that mode only);
 *   "outline" nothing more, and nothing fetched from another server.
 * Needs Leaflet 1.9. Defines window.communityPowerMap.basemap(map, config).
 */
(function () {
  "use strict";

  var MAX_ZOOM = 19; // What the usual tile servers offer.
  var PANE = "outline";
  // The UK in a neutral land colour; Ireland, for context, lighter.
  var STYLES = {
    uk: { color: "#7d8581", weight: 1, opacity: 1, fillColor: "#f3f0e8", fillOpacity: 1 },
    context: { color: "#a9b1ad", weight: 1, opacity: 1, fillColor: "#fbfaf6", fillOpacity: 1 },
  };

  function report(error) {
    if (window.console) {
      window.console.error(error);
    }
  }

  /* Under the tiles (z-index 200), so that tiles, once loaded, cover it. */
  function outline(map, url) {
    var pane = map.createPane(PANE);
    pane.style.zIndex = 150;
    pane.style.pointerEvents = "none";
    var renderer = L.svg({ pane: PANE });
    return fetch(url, { headers: { Accept: "application/geo+json, application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status + " for " + url);
        }
        return response.json();
      })
      .then(function (data) {
        L.geoJSON(data, {
          pane: PANE,
          renderer: renderer,
          interactive: false,
          style: function (feature) {
            return STYLES[(feature.properties || {}).role] || STYLES.context;
          },
        }).addTo(map);
        map.getContainer().classList.add("map--outline");
      })
      .catch(report); // The map works without it: only the ground is plainer.
  }

  function tiles(map, config) {
    if (config.basemap === "tiles" && config.tileUrl) {
      // Tiles that fail to load leave the outline and the data showing.
      return L.tileLayer(config.tileUrl, { attribution: config.attribution || "", maxZoom: MAX_ZOOM });
    }
    if (config.basemap === "pmtiles" && config.pmtilesUrl && window.protomapsL) {
      return window.protomapsL.leafletLayer({
        url: config.pmtilesUrl,
        flavor: "light",
        lang: (document.documentElement.lang || "en").split("-")[0],
        attribution: config.attribution || "",
        maxZoom: MAX_ZOOM,
      });
    }
    return null;
  }

  function basemap(map, config) {
    if (config.outlineUrl) {
      outline(map, config.outlineUrl);
    }
    var layer = null;
    try {
      layer = tiles(map, config);
    } catch (error) {
      report(error); // A broken basemap leaves the outline.
    }
    if (layer) {
      layer.addTo(map);
    } else {
      map.getContainer().classList.add("map--no-tiles");
    }
    return layer;
  }

  window.communityPowerMap = window.communityPowerMap || {};
  window.communityPowerMap.basemap = basemap;
})();

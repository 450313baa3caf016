/*
 * The maps of initiatives: every <div class="map" data-map-config="ID"> on a
 * page, configured by the JSON in <script type="application/json" id="ID">
 * (Django's json_script).
 *
 * Written for a strict Content Security Policy: no inline scripts or
 * handlers, no eval, and no HTML built from data — text goes in through
 * textContent, never innerHTML. Needs Leaflet 1.9 and Leaflet.markercluster
 * 1.5, and js/basemap.js for the outline and the tiles, all of them named by
 * the config and loaded by this file.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 250;
  var MAX_ZOOM = 19; // What the usual tile servers offer; the data endpoint allows 20.
  var PIN_WIDTH = 28;
  var PIN_HEIGHT = 40;
  var PIN_TIP = 31; // Where the drawn pin's point is, from the top.
  // Query-string keys the map sets itself, or that mean nothing to it.
  var OWN_KEYS = ["bbox", "zoom", "page"];
  // Where a popup's link opens: "_blank" on a map framed by another site.
  var linkTarget = null;

  var MESSAGES = {
    one: "Showing {n} initiative",
    many: "Showing {n} initiatives",
    clustered: "{n} initiatives in view, grouped",
    error: "The map's data could not be loaded.",
    locateError: "Your location could not be found.",
    clusterOne: "{n} initiative",
    clusterMany: "{n} initiatives",
  };

  // Messages.

  function statusElement() {
    return document.getElementById("map-status");
  }

  function formatNumber(n) {
    try {
      return Number(n).toLocaleString(document.documentElement.lang || undefined);
    } catch (error) {
      return String(n);
    }
  }

  /* A message, translated by the template through data-* attributes on
     #map-status (data-one, data-many, data-clustered, ...) when it gives them. */
  function message(key, n) {
    var status = statusElement();
    var text = (status && status.dataset[key]) || MESSAGES[key];
    return text.replace(/\{n\}/g, formatNumber(n));
  }

  function say(text) {
    var status = statusElement();
    if (status) {
      status.textContent = text;
    }
  }

  // Icons: CSS only, since Leaflet's image icons break under hashed static names.

  var LabelledIcon = null;

  /* A divIcon that names itself for screen readers and tooltips. */
  function labelledIcon(options) {
    if (!LabelledIcon) {
      LabelledIcon = L.DivIcon.extend({
        createIcon: function (oldIcon) {
          var element = L.DivIcon.prototype.createIcon.call(this, oldIcon);
          if (this.options.label) {
            element.setAttribute("aria-label", this.options.label);
            element.setAttribute("title", this.options.label);
          }
          return element;
        },
      });
    }
    return new LabelledIcon(options);
  }

  function pinIcon(label) {
    // The box and tip match .map-pin in map.css.
    return labelledIcon({
      className: "map-pin",
      html: "",
      label: label,
      iconSize: [PIN_WIDTH, PIN_HEIGHT],
      iconAnchor: [PIN_WIDTH / 2, PIN_TIP],
      popupAnchor: [0, -PIN_TIP],
    });
  }

  /* "53.9K" rather than "53,876": a count must fit its disc. */
  function compactNumber(n) {
    if (n < 1000) {
      return formatNumber(n);
    }
    try {
      return new Intl.NumberFormat(document.documentElement.lang || undefined, {
        notation: "compact",
        maximumFractionDigits: n < 10000 ? 1 : 0,
      }).format(n);
    } catch (error) {
      return Math.round(n / 1000) + "k";
    }
  }

  function countIcon(count) {
    var size = count < 10 ? 30 : count < 100 ? 36 : count < 1000 ? 40 : 44;
    var text = document.createElement("span");
    text.className = "map-cluster__count";
    text.textContent = compactNumber(count);
    text.setAttribute("aria-hidden", "true");
    return labelledIcon({
      className: "map-cluster",
      html: text,
      // The full number, for screen readers and tooltips.
      label: message(count === 1 ? "clusterOne" : "clusterMany", count),
      iconSize: [size, size],
      iconAnchor: [size / 2, size / 2],
    });
  }

  // Popups.

  /* Only links to pages (http, https or this site's paths), never javascript:. */
  function safeUrl(url) {
    try {
      var parsed = new URL(url, window.location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (error) {
      return null;
    }
  }

  function paragraph(className, text) {
    var p = document.createElement("p");
    p.className = className;
    p.textContent = text;
    return p;
  }

  function popupContent(properties) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var heading = document.createElement("p");
    heading.className = "map-popup__title";
    var url = safeUrl(properties.url || "");
    if (url) {
      var link = document.createElement("a");
      link.href = url;
      link.textContent = properties.title || "";
      if (linkTarget) {
        link.target = linkTarget;
        link.rel = "noopener";
      }
      heading.appendChild(link);
    } else {
      heading.textContent = properties.title || "";
    }
    box.appendChild(heading);
    if (properties.place) {
      box.appendChild(paragraph("map-popup__place", properties.place));
    }
    if (properties.summary) {
      box.appendChild(paragraph("map-popup__summary", properties.summary));
    }
    return box;
  }

  // Markers.

  function latLngOf(feature) {
    var geometry = feature && feature.geometry;
    if (!geometry || geometry.type !== "Point" || !Array.isArray(geometry.coordinates)) {
      return null;
    }
    var lng = Number(geometry.coordinates[0]);
    var lat = Number(geometry.coordinates[1]);
    return isFinite(lat) && isFinite(lng) ? L.latLng(lat, lng) : null; // GeoJSON: [lng, lat]
  }

  function pointMarker(feature, latLng) {
    var properties = feature.properties || {};
    var marker = L.marker(latLng, {
      icon: pinIcon(properties.title || ""),
      keyboard: true,
      title: properties.title || "",
      alt: properties.title || "",
      riseOnHover: true,
    });
    // Built when first opened: a page may hold 2000 markers.
    marker.bindPopup(function () {
      return popupContent(properties);
    });
    return marker;
  }

  function clusterMarker(map, feature, latLng) {
    var properties = feature.properties;
    var count = Number(properties.count) || 0;
    var marker = L.marker(latLng, {
      icon: countIcon(count),
      keyboard: true,
      title: message(count === 1 ? "clusterOne" : "clusterMany", count),
      riseOnHover: true,
    });
    function zoomIn() {
      var b = properties.bounds;
      if (Array.isArray(b) && b.length === 4 && (b[0] !== b[2] || b[1] !== b[3])) {
        // [west, south, east, north] -> [[south, west], [north, east]]
        map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [24, 24] });
      } else {
        // Everything at one spot (often a place's centre): close in on it.
        map.setView(latLng, Math.min(Math.max(map.getZoom() + 2, 12), map.getMaxZoom()));
      }
    }
    marker.on("click", zoomIn);
    marker.on("keydown", function (event) {
      var key = event.originalEvent && event.originalEvent.key;
      if (key === "Enter" || key === " ") {
        L.DomEvent.preventDefault(event.originalEvent);
        zoomIn();
        // The marker goes away with the next load: keep focus on the map.
        map.getContainer().focus();
      }
    });
    return marker;
  }

  // The query string.

  function paramsFrom(query) {
    return new URLSearchParams((query || "").replace(/^\?/, ""));
  }

  /* The page's filters (without empty ones, as a form sends for "Any"), with
     the config's fixed ones (a place page fixes its place) replacing any of
     the same name, as the server does. */
  function filterQuery(config, pageQuery) {
    var params = new URLSearchParams();
    paramsFrom(pageQuery).forEach(function (value, key) {
      if (value.trim() !== "" && OWN_KEYS.indexOf(key) === -1) {
        params.append(key, value);
      }
    });
    var fixed = paramsFrom(config.query);
    fixed.forEach(function (_value, key) {
      params.delete(key);
    });
    fixed.forEach(function (value, key) {
      params.append(key, value);
    });
    return params;
  }

  function formQuery(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (typeof value === "string" && value.trim() !== "") {
        params.append(key, value);
      }
    });
    return params.toString();
  }

  function clamp(value, low, high) {
    return Math.min(Math.max(value, low), high);
  }

  function bboxOf(map) {
    var bounds = map.getBounds();
    // Leaflet's bounds run past ±180 when the world repeats; the data stops there.
    var west = clamp(bounds.getWest(), -180, 180);
    var east = clamp(bounds.getEast(), -180, 180);
    var south = clamp(bounds.getSouth(), -90, 90);
    var north = clamp(bounds.getNorth(), -90, 90);
    if (bounds.getEast() - bounds.getWest() >= 360) {
      west = -180;
      east = 180;
    }
    return [west, south, east, north]
      .map(function (n) {
        return n.toFixed(5);
      })
      .join(",");
  }

  function dataUrl(config, filters, map) {
    var params = new URLSearchParams(filters);
    params.set("bbox", bboxOf(map));
    params.set("zoom", String(clamp(Math.round(map.getZoom()), 0, 20)));
    var base = config.geojsonUrl;
    return base + (base.indexOf("?") === -1 ? "?" : "&") + params.toString();
  }

  // The two kinds of map.

  function showStatic(map, config) {
    var features = (config.features && config.features.features) || [];
    var layer = L.featureGroup();
    features.forEach(function (feature) {
      var latLng = latLngOf(feature);
      if (latLng) {
        layer.addLayer(pointMarker(feature, latLng));
      }
    });
    layer.addTo(map);
    var count = layer.getLayers().length;
    if (count > 1) {
      map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 14 });
    } else if (count === 1) {
      map.setView(layer.getLayers()[0].getLatLng(), config.zoom || 13);
    }
  }

  function browse(map, config) {
    var points = L.markerClusterGroup({
      showCoverageOnHover: false,
      chunkedLoading: true,
      maxClusterRadius: 50,
      iconCreateFunction: function (cluster) {
        return countIcon(cluster.getChildCount());
      },
    });
    var clusters = L.layerGroup();
    points.addTo(map);
    clusters.addTo(map);

    var filters = filterQuery(config, window.location.search);
    var controller = null;
    var timer = null;

    function render(data) {
      points.clearLayers();
      clusters.clearLayers();
      var markers = [];
      (data.features || []).forEach(function (feature) {
        var latLng = latLngOf(feature);
        if (!latLng) {
          return;
        }
        if (feature.properties && feature.properties.cluster) {
          clusters.addLayer(clusterMarker(map, feature, latLng));
        } else {
          markers.push(pointMarker(feature, latLng));
        }
      });
      points.addLayers(markers);
      var total = Number(data.total);
      if (!isFinite(total)) {
        total = markers.length;
      }
      if (data.clustered) {
        say(message("clustered", total));
      } else {
        say(message(total === 1 ? "one" : "many", total));
      }
    }

    function load() {
      busy(true);
      window.clearTimeout(timer);
      if (controller) {
        controller.abort();
      }
      var mine = new AbortController();
      controller = mine;
      fetch(dataUrl(config, filters, map), {
        signal: mine.signal,
        credentials: "same-origin",
        headers: { Accept: "application/geo+json, application/json" },
      })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.json();
        })
        .then(function (data) {
          if (controller === mine) {
            render(data);
            busy(false);
          }
        })
        .catch(function (error) {
          if (error && error.name === "AbortError") {
            return; // A newer request replaced this one.
          }
          if (controller === mine) {
            say(message("error"));
            busy(false);
          }
          if (window.console) {
            window.console.error(error);
          }
        });
    }

    // aria-busy marks the map while its data is on the way (assistive
    // technology waits for it, and so do the browser tests).
    function busy(state) {
      if (state) {
        map.getContainer().setAttribute("aria-busy", "true");
      } else {
        map.getContainer().removeAttribute("aria-busy");
      }
    }

    function schedule() {
      busy(true);
      window.clearTimeout(timer);
      timer = window.setTimeout(load, DEBOUNCE_MS);
    }

    map.on("moveend", schedule);

    var form = document.getElementById("map-filters");
    if (form) {
      var refilter = function (event) {
        if (event.type === "submit") {
          event.preventDefault();
        }
        var query = formQuery(form);
        var page = window.location.pathname + (query ? "?" + query : "");
        window.history.replaceState(window.history.state, "", page);
        var listLink = document.querySelector("a#list-link");
        if (listLink) {
          listLink.href = "/initiatives/" + (query ? "?" + query : "");
        }
        filters = filterQuery(config, query);
        load();
      };
      form.addEventListener("change", refilter);
      form.addEventListener("submit", refilter);
    }

    load();
  }

  var locateBound = false;

  /* The "Use my location" button works the first browse map on the page. */
  function bindLocate(map) {
    var button = document.getElementById("locate");
    if (locateBound || !button || button.tagName !== "BUTTON" || !navigator.geolocation) {
      return;
    }
    locateBound = true;
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          button.disabled = false;
          map.setView([position.coords.latitude, position.coords.longitude], 13);
          nearestInList(position.coords);
        },
        function () {
          button.disabled = false;
          say(message("locateError"));
        },
        { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 }
      );
    });
  }

  /* The list link then lists what is near, nearest first (3 places: the
     page's rounding, and no more of the person's position than that). */
  function nearestInList(coords) {
    var listLink = document.querySelector("a#list-link");
    if (!listLink) {
      return;
    }
    var url = new URL(listLink.href, window.location.href);
    url.searchParams.delete("near");
    // The server's own spelling ("51.5", not "51.500"): no redirect.
    url.searchParams.set("lat", String(Math.round(coords.latitude * 1000) / 1000));
    url.searchParams.set("lng", String(Math.round(coords.longitude * 1000) / 1000));
    if (!url.searchParams.get("radius_km")) {
      url.searchParams.set("radius_km", "5");
    }
    listLink.href = url.pathname + url.search;
  }

  // Setting up.

  function readConfig(element) {
    var script = document.getElementById(element.getAttribute("data-map-config") || "");
    if (!script) {
      throw new Error("No map configuration for " + (element.id || "a map"));
    }
    return JSON.parse(script.textContent);
  }

  function setUp(element) {
    if (element.classList.contains("map--ready")) {
      return; // Already set up.
    }
    var config = readConfig(element);
    if (config.linkTarget) linkTarget = config.linkTarget;
    var isStatic = config.mode === "static";
    var center = Array.isArray(config.center) ? config.center : [54.0, -2.5];
    var map = L.map(element, {
      center: center,
      zoom: typeof config.zoom === "number" ? config.zoom : 6,
      maxZoom: MAX_ZOOM,
      worldCopyJump: true,
      // A small map in a page must not catch the page's scrolling.
      scrollWheelZoom: !isStatic,
    });
    // The outline, then the tiles (js/basemap.js): nothing waits on either.
    if (window.communityPowerMap && window.communityPowerMap.basemap) {
      window.communityPowerMap.basemap(map, config);
    } else {
      element.classList.add("map--no-tiles");
    }
    element.classList.add("map--ready");
    // For scripts that build on the map (and the browser tests).
    element.leafletMap = map;
    if (isStatic || !config.geojsonUrl) {
      showStatic(map, config);
    } else {
      browse(map, config);
      bindLocate(map);
    }
  }

  function setUpAll() {
    if (typeof window.L === "undefined" || typeof window.L.markerClusterGroup !== "function") {
      say(message("error"));
      return;
    }
    var elements = document.querySelectorAll(".map[data-map-config]");
    Array.prototype.forEach.call(elements, function (element) {
      try {
        setUp(element);
      } catch (error) {
        // One broken map must not stop the others, nor the page.
        say(message("error"));
        if (window.console) {
          window.console.error(error);
        }
      }
    });
  }

  // Leaflet, its clusters and their styles come from the map's config and
  // load only now, after the page is drawn, so that they never hold it up;
  // the maps are set up once they have arrived.
  function assets() {
    var styles = [];
    var scripts = [];
    document.querySelectorAll(".map[data-map-config]").forEach(function (element) {
      var script = document.getElementById(element.getAttribute("data-map-config"));
      var config = {};
      try {
        config = JSON.parse(script ? script.textContent : "{}");
      } catch (error) {
        /* a config that does not parse is reported by setUp */
      }
      (config.styles || []).forEach(function (url) {
        if (styles.indexOf(url) === -1) styles.push(url);
      });
      (config.scripts || []).forEach(function (url) {
        if (scripts.indexOf(url) === -1) scripts.push(url);
      });
    });
    return { styles: styles, scripts: scripts };
  }

  function loadStyle(url) {
    return new Promise(function (resolve) {
      if (document.querySelector("link[rel='stylesheet'][href='" + url + "']")) return resolve();
      var link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = url;
      link.onload = link.onerror = function () { resolve(); };
      document.head.appendChild(link);
    });
  }

  function loadScript(url) {
    return new Promise(function (resolve) {
      if (document.querySelector("script[src='" + url + "']")) return resolve();
      var script = document.createElement("script");
      script.src = url;
      script.async = false;  // in order: the clusters need Leaflet first
      script.onload = script.onerror = function () { resolve(); };
      document.head.appendChild(script);
    });
  }

  function start() {
    if (!document.querySelector(".map[data-map-config]")) return;
    var needed = assets();
    Promise.all(needed.styles.map(loadStyle).concat(needed.scripts.map(loadScript))).then(setUpAll);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

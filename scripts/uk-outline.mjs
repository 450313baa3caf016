// Writes static/vendor/world-atlas-2.0.2/uk.geojson: the United Kingdom and
// Ireland from world-atlas's countries-50m.json (Natural Earth 1:50m, public
// domain), which map.js draws under the tiles so that a map is never blank.
// Run `npm ci` then `npm run uk-outline`; the output is committed.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { feature } from "topojson-client";

const require = createRequire(import.meta.url);
const VERSION = require("world-atlas/package.json").version;
const OUT = new URL(`../static/vendor/world-atlas-${VERSION}/uk.geojson`, import.meta.url);
// ISO 3166-1 numeric codes, and how map.js draws each.
const COUNTRIES = { 826: "uk", 372: "context" };
// 3 decimals is about 100 m: finer than the 1:50m data itself.
const round = (n) => Math.round(n * 1000) / 1000;

function roundRing(ring) {
  const out = [];
  for (const [x, y] of ring) {
    const point = [round(x), round(y)];
    const last = out[out.length - 1];
    if (!last || last[0] !== point[0] || last[1] !== point[1]) out.push(point);
  }
  return out;
}

function roundGeometry(geometry) {
  const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
  return {
    type: "MultiPolygon",
    coordinates: polygons
      .map((polygon) => polygon.map(roundRing).filter((ring) => ring.length >= 4))
      .filter((polygon) => polygon.length > 0),
  };
}

const topology = JSON.parse(readFileSync(require.resolve("world-atlas/countries-50m.json"), "utf8"));
const countries = feature(topology, topology.objects.countries).features;
const features = Object.entries(COUNTRIES).map(([id, role]) => {
  const country = countries.find((c) => Number(c.id) === Number(id));
  if (!country) throw new Error(`world-atlas has no country ${id}`);
  return {
    type: "Feature",
    id: Number(id),
    properties: { name: country.properties.name, role },
    geometry: roundGeometry(country.geometry),
  };
});
writeFileSync(OUT, JSON.stringify({ type: "FeatureCollection", features }) + "\n");
console.log(`wrote ${OUT.pathname}`);

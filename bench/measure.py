"""Measure the site's endpoints in this process, against the database that
DATABASE_URL names: server time (median and 95th percentile over repeated
requests), SQL queries per request and response size, uncached and cached.

Run by bench/run.py once per dataset, with production settings in the
environment; writes one JSON document to --output. With --csv-all it only
streams the whole CSV export once, so that the process's peak memory is the
export's.
"""

import argparse
import gzip
import json
import math
import os
import resource
import statistics
import sys
import threading
import time
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# The deep page of the list that must cost what the first page costs.
DEEP_PAGE = 200
# Words of the generator's vocabulary (generate_initiatives, --seed 1):
# "community" is in most titles, sentences or organisation names (about 88%
# of rows); "Kingsworth" is one generated place among hundreds (about 400
# rows at 100,000). The results record how many rows each matches.
SEARCH_MOST = "community"
SEARCH_FEW = "kingsworth"
# Searches near somewhere: the list's and the API's default radius for a
# postcode, and how close a postcode must be to a neighbourhood for it to
# stand for that neighbourhood (see near_postcode()).
NEAR_RADIUS_KM = 5
NEAR_WITHIN_KM = 1
NEAR_CANDIDATES = 100
# A request slower than this is not repeated: one sample says enough, and
# repeating it would not let the run finish in its time.
SLOW_SECONDS = 3.0
# Time spent repeating one endpoint (after its warm-up request) is capped.
BUDGET_SECONDS = 12.0
MIN_SAMPLES = 3
GZIP_LEVEL = 6  # what a web server typically uses on the fly
# The screen the map's bounding boxes are cut for, in pixels.
SCREEN = (1280, 800)


def percentile(values, fraction):
    """The `fraction` quantile of `values`, interpolating linearly between
    the two nearest ranks (as numpy and most spreadsheets do)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    below, above = math.floor(position), math.ceil(position)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def viewport(latitude, longitude, zoom):
    """The bounding box a SCREEN-sized map centred here shows at `zoom`, as
    the map's `bbox` parameter (west,south,east,north)."""
    degrees_per_pixel = 360 / 256 / 2**zoom
    half_width = SCREEN[0] / 2 * degrees_per_pixel
    half_height = SCREEN[1] / 2 * degrees_per_pixel * math.cos(math.radians(latitude))
    west, east = max(-180.0, longitude - half_width), min(180.0, longitude + half_width)
    south, north = max(-85.0, latitude - half_height), min(85.0, latitude + half_height)
    return f"{west:.4f},{south:.4f},{east:.4f},{north:.4f}"


@dataclass
class Endpoint:
    path: str
    headers: dict = field(default_factory=dict)
    # Why the endpoint cannot be measured on this data (it is then a failure).
    missing: str = ""
    # How many initiatives the endpoint finds (without the view), for one
    # whose figure means nothing if it finds none.
    finds: object = None


class _NextLink(HTMLParser):
    """The first <a rel="next"> of a page."""

    def __init__(self):
        super().__init__()
        self.href = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.href is None and tag == "a" and "next" in (attrs.get("rel") or "").split():
            self.href = attrs.get("href")


def next_link(html):
    parser = _NextLink()
    parser.feed(html)
    return parser.href


def deep_page_path(client, path, number, *, budget=60.0):
    """The path of page `number` of a list, made the way the list's own
    links make it. With numbered pages that is the first page's "next" link
    with its number changed; with any other kind (a cursor) the "next" links
    are followed, for at most `budget` seconds. Past the last page, the last."""

    def next_of(page):
        href = next_link(client.get(page).content.decode())  # asked without gzip
        return urljoin(page, href) if href is not None else None

    href = next_of(path)
    if href is None:
        return path
    parts = urlsplit(href)
    params = parse_qsl(parts.query, keep_blank_values=True)
    if ("page", "2") in params:
        params = [(k, str(number) if k == "page" else v) for k, v in params]
        return urlunsplit(parts._replace(query=urlencode(params)))
    deadline = time.monotonic() + budget
    for _ in range(number - 2):
        if time.monotonic() > deadline:
            break
        following = next_of(href)
        if following is None:
            break
        href = following
    return href


def places():
    """The places the benchmark looks at: the generated South West region and
    its busiest town and neighbourhood (by initiatives linked to them)."""
    from django.db.models import Count

    from communities.models import Place

    regions = Place.objects.filter(kind="region")
    region = regions.filter(name="South West").first() or regions.order_by("path").first()

    def busiest(kind):
        within = Place.objects.filter(kind=kind, path__startswith=region.path)
        return within.annotate(n=Count("initiative_links")).order_by("-n", "path").first()

    return region, busiest("town") or region, busiest("neighbourhood") or region


def near_postcode():
    """The postcode the near searches are made from: the one nearest the
    neighbourhood with the most initiatives linked to it, among those with a
    postcode within NEAR_WITHIN_KM. None when no postcodes are imported (or
    none is near a neighbourhood). bench/run.py chooses it once, at 100k, so
    that both sizes search near the same postcode."""
    from django.db.models import Count

    from communities.distance import bounding_box, squared_distance, within_sq
    from communities.models import Place, Postcode

    candidates = (
        Place.objects.filter(kind="neighbourhood", latitude__isnull=False)
        .annotate(n=Count("initiative_links"))
        .order_by("-n", "path")[:NEAR_CANDIDATES]
    )
    for place in candidates:
        found = (
            Postcode.objects.filter(bounding_box(place.latitude, place.longitude, NEAR_WITHIN_KM))
            .annotate(d=squared_distance(place.latitude, place.longitude))
            .filter(d__lte=within_sq(NEAR_WITHIN_KM))
            .order_by("d", "postcode")
            .values_list("postcode", flat=True)
            .first()
        )
        if found:
            return found
    return None


def near_found(near=None, lat=None, lng=None):
    """How many published initiatives a search near a postcode, or near a
    point, finds at NEAR_RADIUS_KM (with the list's own filter)."""
    from initiatives.browse import filters
    from initiatives.browse import near as nearby
    from initiatives.models import Initiative

    centre = nearby.find_centre(near) if near else nearby.from_location(lat, lng)
    return filters.near_centre(Initiative.objects.published(), centre, NEAR_RADIUS_KM).count()


def near_endpoints(postcode):
    """The near searches: the postcode typed without its space, as people
    type it, and its point rounded as the list rounds a location."""
    names = ("near postcode", "near coordinates", "api near postcode")
    if not postcode:
        return {name: Endpoint("", missing="no postcodes imported") for name in names}
    from communities.models import Postcode

    point = Postcode.objects.filter(pk=postcode).values_list("latitude", "longitude").first()
    if point is None:
        return {name: Endpoint("", missing=f"postcode {postcode} not imported") for name in names}
    typed = postcode.replace(" ", "")
    lat, lng = (round(value, 3) for value in point)
    near = f"near={typed}&radius_km={NEAR_RADIUS_KM}"
    return {
        names[0]: Endpoint(f"/initiatives/?{near}", finds=lambda: near_found(near=typed)),
        names[1]: Endpoint(
            f"/initiatives/?lat={lat}&lng={lng}&radius_km={NEAR_RADIUS_KM}",
            finds=lambda: near_found(lat=lat, lng=lng),
        ),
        names[2]: Endpoint(f"/api/initiatives/?{near}", finds=lambda: near_found(near=typed)),
    }


def endpoints(client, near=None):
    """name -> Endpoint, built from the data (see places()), the busiest
    top-level theme and the postcode `near` (see near_postcode())."""
    from django.db.models import Count

    from initiatives.models import Initiative, Theme

    region, city, _ = places()
    theme = (
        Theme.objects.filter(parent=None)
        .annotate(n=Count("initiatives"))
        .order_by("-n", "slug")
        .first()
    )
    detail = Initiative.objects.published().order_by("-published_at", "-pk").first()
    three = f"place={region.slug}&theme={theme.slug}&status=active"
    geojson = "/api/initiatives.geojson"
    return {
        "home": Endpoint("/"),
        "list": Endpoint("/initiatives/"),
        f"list, page {DEEP_PAGE}": Endpoint(deep_page_path(client, "/initiatives/", DEEP_PAGE)),
        "list by theme": Endpoint(f"/initiatives/?theme={theme.slug}"),
        "list by region": Endpoint(f"/initiatives/?place={region.slug}"),
        "search, most rows": Endpoint(f"/initiatives/?q={SEARCH_MOST}"),
        "search, few rows": Endpoint(f"/initiatives/?q={SEARCH_FEW}"),
        "three filters": Endpoint(f"/initiatives/?{three}"),
        # What the list fetches when a facet is clicked: the filters and
        # their counts, as a fragment.
        "facet counts": Endpoint(f"/initiatives/?{three}", {"X-Partial": "browse"}),
        "detail": Endpoint(detail.get_absolute_url()),
        "place page": Endpoint(region.get_absolute_url()),
        "geojson country": Endpoint(f"{geojson}?bbox={viewport(54.0, -2.5, 6)}&zoom=6"),
        "geojson city": Endpoint(
            f"{geojson}?bbox={viewport(city.latitude, city.longitude, 12)}&zoom=12"
        ),
        "csv export (city)": Endpoint(f"/initiatives/export.csv?place={city.slug}"),
        "api list": Endpoint("/api/initiatives/"),
        "api list, 100 a page": Endpoint("/api/initiatives/?page_size=100"),
        **near_endpoints(near),
    }


def geojson_boxes():
    """name -> GeoJSON path: the map's view at every scale, and no view at all."""
    region, city, neighbourhood = places()
    views = [
        ("world, zoom 2", 30.0, 0.0, 2),
        ("UK, zoom 5", 54.0, -2.5, 5),
        ("UK, zoom 6", 54.0, -2.5, 6),  # the "geojson country" endpoint
        ("region, zoom 8", region.latitude, region.longitude, 8),
        ("city, zoom 12", city.latitude, city.longitude, 12),
        ("neighbourhood, zoom 15", neighbourhood.latitude, neighbourhood.longitude, 15),
    ]
    boxes = {
        name: f"/api/initiatives.geojson?bbox={viewport(lat, lng, zoom)}&zoom={zoom}"
        for name, lat, lng, zoom in views
    }
    boxes["no bbox"] = "/api/initiatives.geojson"
    return boxes


@dataclass
class Sample:
    seconds: float = 0.0
    queries: int = 0
    status: int = 0
    body: bytes = b""
    size: int = 0
    lines: int = 0
    first_byte: float | None = None
    content_encoding: str = ""
    cache: str = ""
    error: str = ""

    def sizes(self):
        """The body's size as sent and gzipped (the site compresses its
        answers itself; otherwise as a web server in front of it would)."""
        if self.content_encoding == "gzip":
            return len(gzip.decompress(self.body)), len(self.body)
        return len(self.body), len(gzip.compress(self.body, GZIP_LEVEL))

    def text(self):
        body = self.body
        return gzip.decompress(body) if self.content_encoding == "gzip" else body


def timed_get(client, endpoint, timeout, *, keep_body=True):
    """One request, timed from the call to the last byte. A request still
    running after `timeout` seconds has its database query cancelled."""
    from django.db import connections

    # This thread's connection: the watchdog thread cancels its query.
    connection = connections["default"]
    sample = Sample()
    counter = [0]

    done, timed_out = threading.Event(), threading.Event()

    def count(execute, sql, params, many, context):
        if timed_out.is_set():  # no query starts once the time is up
            raise TimeoutError
        counter[0] += 1
        return execute(sql, params, many, context)

    def watchdog():
        if done.wait(timeout):
            return
        timed_out.set()
        while not done.is_set():  # the view may run another query after this one
            raw = connection.connection  # psycopg's cancel() is safe from another thread
            if raw is not None:
                raw.cancel()
            done.wait(0.2)

    guard = threading.Thread(target=watchdog, daemon=True)
    guard.start()
    start = time.perf_counter()
    size = 0
    client.cookies.clear()  # every request from a new visitor
    try:
        with connection.execute_wrapper(count):
            response = client.get(
                endpoint.path, headers={"Accept-Encoding": "gzip", **endpoint.headers}
            )
            if response.streaming:
                # The first byte of content: a gzipped stream starts with
                # its header before the view has made anything.
                gzipped = response.get("Content-Encoding") == "gzip"
                decoder = zlib.decompressobj(wbits=31) if gzipped else None
                chunks, lines = [], 0
                for chunk in response.streaming_content:
                    content = decoder.decompress(chunk) if decoder else chunk
                    if sample.first_byte is None and content:
                        sample.first_byte = time.perf_counter() - start
                    size += len(chunk)
                    lines += content.count(b"\n")
                    if keep_body:
                        chunks.append(chunk)
                body = b"".join(chunks)
                sample.lines = lines
            else:
                body = response.content
                size = len(body)
        sample.seconds = time.perf_counter() - start
        sample.status = response.status_code
        sample.body = body if keep_body else b""
        sample.size = size
        sample.content_encoding = response.get("Content-Encoding", "")
        sample.cache = response.get("X-Cache", "")
        if sample.status != 200:
            sample.error = f"HTTP {sample.status}"
    except Exception as error:  # any failure is a result to report
        sample.seconds = time.perf_counter() - start
        sample.error = f"timed out after {timeout:g} s" if timed_out.is_set() else repr(error)
        connection.close()
    finally:
        done.set()
        guard.join()
    sample.queries = counter[0]
    return sample


def measure(client, endpoint, repeats, *, cached, timeout, deadline=math.inf):
    """Median and 95th percentile of `repeats` requests after a warm-up
    request; fewer when the endpoint is slow (see SLOW_SECONDS) and only the
    warm-up once the whole measurement is past its `deadline` (monotonic)."""
    from django.core.cache import cache

    def get():
        if not cached:
            cache.clear()
        return timed_get(client, endpoint, timeout)

    warm = get()  # warms Python's, the database's and (cached) the site's caches
    if warm.error:
        return {"error": warm.error, "seconds": warm.seconds, "queries": warm.queries}
    samples, capped = [], False
    if warm.seconds >= SLOW_SECONDS or time.monotonic() > deadline:
        samples, capped = [warm], True
    else:
        spent = 0.0
        while len(samples) < repeats and (spent < BUDGET_SECONDS or len(samples) < MIN_SAMPLES):
            sample = get()
            if sample.error:
                return {"error": sample.error, "seconds": sample.seconds}
            samples.append(sample)
            spent += sample.seconds
        capped = len(samples) < repeats
    times = [s.seconds for s in samples]
    plain, gzipped = samples[-1].sizes()
    result = {
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": percentile(times, 0.95) * 1000,
        "samples": len(samples),
        "queries": max(s.queries for s in samples),
        "queries_min": min(s.queries for s in samples),
        "bytes": plain,
        "gzip_bytes": gzipped,
        "cache_hits": sum(s.cache == "hit" for s in samples),
    }
    if capped:
        result["capped"] = True
    first_bytes = [s.first_byte for s in samples if s.first_byte is not None]
    if first_bytes:
        result["ttfb_median_ms"] = statistics.median(first_bytes) * 1000
        result["ttfb_p95_ms"] = percentile(first_bytes, 0.95) * 1000
    return result


def measure_geojson(client, path, timeout):
    """One uncached request for the map at one view: features and size."""
    from django.core.cache import cache

    cache.clear()
    sample = timed_get(client, Endpoint(path), timeout)
    if sample.error:
        return {"path": path, "error": sample.error}
    payload = json.loads(sample.text())
    plain, gzipped = sample.sizes()
    return {
        "path": path,
        "ms": sample.seconds * 1000,
        "queries": sample.queries,
        "features": len(payload.get("features", [])),
        "clustered": payload.get("clustered"),
        "total": payload.get("total"),
        "bytes": plain,
        "gzip_bytes": gzipped,
    }


def search_matches():
    """How many published initiatives each benchmark word matches."""
    from initiatives.catalogue.search import search
    from initiatives.models import Initiative

    try:
        return {
            word: search(Initiative.objects.published(), word).count()
            for word in (SEARCH_MOST, SEARCH_FEW)
        }
    except Exception as error:  # a figure for the record only
        return {"error": repr(error)}


def rss_mb():
    """This process's resident memory now, in MB (Linux)."""
    try:
        with open("/proc/self/status") as status:
            kb = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
        return kb / 1024
    except (OSError, StopIteration):
        return None


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def csv_all(client, timeout):
    """Stream the whole CSV export once, keeping nothing of it."""
    before = rss_mb()
    sample = timed_get(client, Endpoint("/initiatives/export.csv"), timeout, keep_body=False)
    return {
        "path": "/initiatives/export.csv",
        "error": sample.error,
        "ttfb_ms": sample.first_byte * 1000 if sample.first_byte is not None else None,
        "total_ms": sample.seconds * 1000,
        "bytes": sample.size,
        "content_encoding": sample.content_encoding,
        "lines": sample.lines,
        "queries": sample.queries,
        "rss_before_mb": before,
        "peak_rss_mb": peak_rss_mb(),
    }


def progress(text):
    print(f"    {text}", flush=True)


def _summary(result):
    if "error" in result:
        return result["error"]
    return f"{result['median_ms']:.1f} ms, {result['queries']} queries"


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", required=True, help="write the JSON here")
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--timeout", type=float, default=15.0, help="per request, in seconds")
    parser.add_argument(
        "--budget", type=float, default=300.0, help="seconds, after which one request each"
    )
    parser.add_argument("--csv-all", action="store_true", help="only stream the whole CSV")
    parser.add_argument(
        "--choose-near", action="store_true", help="only choose the postcode (near_postcode())"
    )
    parser.add_argument("--near-postcode", help="search near this one (default: chosen here)")
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.budget

    import django

    django.setup()
    from django.core.cache import cache
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    cache.clear()
    if args.csv_all:
        results = {"csv_all": csv_all(client, args.timeout)}
    elif args.choose_near:
        results = {"near_postcode": near_postcode()}
    else:
        near = args.near_postcode or near_postcode()
        results = {"endpoints": {}, "geojson_boxes": {}, "near_postcode": near}
        for name, endpoint in endpoints(client, near).items():
            entry = {"path": endpoint.path, "headers": endpoint.headers}
            if endpoint.finds is not None:
                try:
                    entry["found"] = endpoint.finds()
                except Exception as error:  # an unknown postcode, say: a result to report
                    entry["found"], endpoint.missing = 0, repr(error)
                if not entry["found"] and not endpoint.missing:
                    endpoint.missing = f"finds no initiatives ({endpoint.path})"
            if endpoint.missing:
                entry["uncached"] = entry["cached"] = {"error": endpoint.missing}
                results["endpoints"][name] = entry
                progress(f"{name:<22} not measured: {endpoint.missing}")
                continue
            options = {"timeout": args.timeout, "deadline": deadline}
            entry["uncached"] = measure(client, endpoint, args.repeats, cached=False, **options)
            if "error" in entry["uncached"] and "timed out" in entry["uncached"]["error"]:
                # A page that cannot be made in time cannot be cached either.
                entry["cached"] = {"error": "not measured: uncached timed out"}
            else:
                entry["cached"] = measure(client, endpoint, args.repeats, cached=True, **options)
            results["endpoints"][name] = entry
            progress(
                f"{name:<22} uncached {_summary(entry['uncached'])}; "
                f"cached {_summary(entry['cached'])}"
            )
        for name, path in geojson_boxes().items():
            results["geojson_boxes"][name] = box = measure_geojson(client, path, args.timeout)
            progress(f"geojson {name:<22} {box.get('features', box.get('error'))} features")
        results["search_matches"] = search_matches()
    results["process"] = {"peak_rss_mb": peak_rss_mb()}
    with open(args.output, "w") as output:
        json.dump(results, output, indent=1)


if __name__ == "__main__":
    sys.exit(main())

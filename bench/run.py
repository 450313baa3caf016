"""The benchmark behind `make bench`: is the site as fast with 100,000
published initiatives as with 1,000?

It builds (or reuses) a PostgreSQL database of each size with
`generate_initiatives`, imports the same 1.8 million generated postcodes
into each (`generate_postcodes`, `import_postcodes`), measures every public
endpoint in a subprocess per dataset (bench/measure.py), streams the whole
CSV export in a process of its own to see its peak memory, drives gunicorn
with wrk for throughput, then prints the figures and checks them against
the targets below. Everything goes to bench/results/latest.json too. The
exit status is 1 when a target is missed.

    python -m bench.run [--quick] [--repeats N] [--rebuild] [--postcodes N]
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import redis

from communities import postcode_generator

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable

DATASETS = {"1k": 1_000, "100k": 100_000}
SMALL, LARGE = "1k", "100k"
SEED = 1
# Postcodes in each dataset, as many as the ONS Postcode Directory's live
# ones with coordinates; the generated file is written once, outside the
# repository, and imported into both databases.
POSTCODES = 1_800_000
POSTCODE_CACHE = Path(tempfile.gettempdir()) / "cpm-bench"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"

# Production settings, on plain HTTP on loopback. The API's rate limit is
# lifted: at its real 600 a minute, wrk would measure refusals.
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DEBUG": "false",
    "SECRET_KEY": "bench",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    # Required in production; the server's own port is added where it starts.
    "SITE_URL": "http://127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_COOKIES": "false",
    "API_RATE": "1000000/minute",
    "LOG_LEVEL": "ERROR",
}

# The targets (the issue "Performance at 100,000 initiatives").
MAX_RATIO = 1.5  # median at 100k over median at 1k, every endpoint
MAX_QUERIES = 10  # SQL queries per page
DEEP_PAGE_RATIO = 1.5  # page 200 of the list over page 1, at 100k
SEARCH_RATIO = 2.0  # a word matching most rows over one matching a few hundred
GEOJSON_MAX_FEATURES = 2000
GEOJSON_MAX_GZIP_BYTES = 300_000
CSV_MAX_PEAK_MB = 300  # the whole export at 100k, in a process of its own
CSV_MAX_GROWTH_MB = 50  # its peak at 100k over its peak at 1k: constant memory

# Endpoints whose size grows with the data by design: a CSV file has a row
# per initiative, so its ratio is taken on the time to the first byte and
# its queries (one batch per chunk of rows) are not a page's.
STREAMED = {"csv export (city)"}
# Endpoints whose 100k/1k ratio is printed but not judged. The word of "search,
# few rows" matches a few hundred rows at 100k and so a handful at 1k: its
# ratio compares a page of 5 results with a page of 20, not a small table
# with a large one. Search is judged on "search, most rows" instead, whose
# candidates fill the bound (search.CANDIDATES) at both sizes, and "few rows"
# is there for the target that compares the two at 100k.
NOT_RATIO_JUDGED = {"search, few rows"}
DEEP_PAGE = "list, page 200"
SEARCH_MOST, SEARCH_FEW = "search, most rows", "search, few rows"
PAGE_SIZES = ("api list", "api list, 100 a page")

# Throughput: gunicorn with a worker per core, driven by wrk for a bounded time.
THROUGHPUT_ENDPOINTS = ("list", SEARCH_MOST, "geojson country")
WRK_SECONDS = 10
WRK_CONNECTIONS = 16

# Other work using more than this many cores when the run starts is worth a warning.
BUSY_CORES = 0.5

# Time limits that keep a run bounded when the site is slow.
REQUEST_TIMEOUT = 15  # seconds, one request in the measurements
CSV_TIMEOUT = 240  # seconds, the whole export
MEASURE_TIMEOUT = 900  # seconds, one measuring subprocess


def log(text=""):
    print(text, flush=True)


def busy_cores(seconds=1.0):
    """How many cores' worth of CPU the machine used over `seconds` (Linux)."""

    def sample():
        with open("/proc/stat") as stat:
            fields = [int(n) for n in stat.readline().split()[1:]]
        idle = fields[3] + fields[4]  # idle and iowait
        return sum(fields) - idle, sum(fields)

    try:
        busy_before, total_before = sample()
        time.sleep(seconds)
        busy_after, total_after = sample()
    except OSError:
        return None
    share = (busy_after - busy_before) / max(1, total_after - total_before)
    return round(share * (os.cpu_count() or 1), 2)


# Datasets.


def database_url(base, name):
    return urlunsplit(urlsplit(base)._replace(path=f"/{name}"))


def admin_sql(base, sql, params=()):
    """Run one statement on the server's `postgres` database, outside a transaction."""

    connection = psycopg2.connect(database_url(base, "postgres"))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else None
    finally:
        connection.close()


def site_env(url, **extra):
    return {**os.environ, **PRODUCTION_ENV, "DATABASE_URL": url, **extra}


def run(command, **options):
    """subprocess.run in the project's folder."""
    # Every command is this Python, gunicorn or wrk, with our own arguments.
    return subprocess.run(command, cwd=ROOT, **options)  # noqa: S603


def manage(url, *args):
    run([PYTHON, "manage.py", *args], env=site_env(url), check=True)


def published_count(url):
    code = "from initiatives.models import Initiative;print(Initiative.objects.published().count())"
    out = run(
        [PYTHON, "manage.py", "shell", "-c", code],
        env=site_env(url),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return int(out.split()[-1])


def ensure_dataset(base, label, size, *, rebuild):
    """A database of `size` published initiatives: reused when it holds that
    many (after migrating it), built otherwise. Returns its URL."""
    name = f"cpm_bench_{label}"
    url = database_url(base, name)
    exists = admin_sql(base, "SELECT 1 FROM pg_database WHERE datname = %s", [name])
    if exists and rebuild:
        admin_sql(base, f'DROP DATABASE "{name}" WITH (FORCE)')
        exists = False
    if not exists:
        admin_sql(base, f'CREATE DATABASE "{name}"')
    manage(url, "migrate", "--no-input", "-v", "0")
    count = published_count(url)
    if count == size:
        log(f"  {name}: reused ({count:,} published initiatives)")
        admin_sql_on(url, "ANALYZE")
        return url
    started = time.monotonic()
    if count:
        log(f"  {name}: holds {count:,} published initiatives, not {size:,}: rebuilding")
        admin_sql(base, f'DROP DATABASE "{name}" WITH (FORCE)')
        admin_sql(base, f'CREATE DATABASE "{name}"')
        manage(url, "migrate", "--no-input", "-v", "0")
    manage(url, "load_demo_data", "-v", "0")
    demo = published_count(url)
    manage(url, "generate_initiatives", str(size - demo), "--seed", str(SEED), "-v", "0")
    admin_sql_on(url, "VACUUM ANALYZE")
    count = published_count(url)
    if count != size:
        raise SystemExit(f"{name} holds {count:,} published initiatives, expected {size:,}")
    log(f"  {name}: built in {time.monotonic() - started:.0f} s ({count:,} published initiatives)")
    return url


def admin_sql_on(url, sql):

    connection = psycopg2.connect(url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall() if cursor.description else None
    finally:
        connection.close()


def live_postcodes(count):
    """How many postcodes import_postcodes keeps from a generated file of
    `count` rows: all but the terminated and those without coordinates (the
    generator's own rule, see postcode_generator.rows())."""
    terminated, no_coordinates = (
        postcode_generator.TERMINATED_EVERY,
        postcode_generator.NO_COORDINATES_EVERY,
    )
    return sum(
        1
        for number in range(count)
        if number % terminated != terminated - 1 and number % no_coordinates != no_coordinates - 1
    )


def postcode_file(count, *, rebuild):
    """The generated file of `count` rows, written once (again with --rebuild)."""
    path = POSTCODE_CACHE / f"postcodes-{count}-seed{SEED}.csv"
    if path.exists() and not rebuild:
        log(f"  {path}: reused")
        return path
    POSTCODE_CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    # Needs no database: the command only writes the file.
    run(
        [PYTHON, "manage.py", "generate_postcodes", str(count), str(partial), "--seed", str(SEED)],
        env=site_env("sqlite:///:memory:"),
        check=True,
    )
    partial.replace(path)
    return path


def ensure_postcodes(url, path, count):
    """The file's postcodes in the database at `url`: reused when it holds
    as many as the import keeps from the file, imported otherwise (--replace,
    so that a larger or smaller earlier import leaves nothing else)."""
    name = urlsplit(url).path.lstrip("/")
    expected = live_postcodes(count)
    held = admin_sql_on(url, "SELECT count(*) FROM communities_postcode")[0][0]
    if held == expected:
        log(f"  {name}: reused ({held:,} postcodes)")
        return held
    log(f"  {name}: importing {expected:,} postcodes (holds {held:,})")
    manage(url, "import_postcodes", str(path), "--replace")  # prints its rate and time
    admin_sql_on(url, "VACUUM ANALYZE communities_postcode")
    held = admin_sql_on(url, "SELECT count(*) FROM communities_postcode")[0][0]
    if held != expected:
        raise SystemExit(f"{name} holds {held:,} postcodes, expected {expected:,}")
    return held


# Measuring.


def run_measure(url, redis_url, *args, log_path):
    """bench.measure in a subprocess against `url`: its JSON result."""
    with tempfile.NamedTemporaryFile(suffix=".json") as output, open(log_path, "a") as errors:
        command = [PYTHON, "-m", "bench.measure", "--output", output.name, *args]
        try:
            run(
                command,
                env=site_env(url, REDIS_URL=redis_url),
                stderr=errors,
                check=True,
                timeout=MEASURE_TIMEOUT,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            return {"error": f"{error} (details in {log_path.relative_to(ROOT)})"}
        return json.loads(Path(output.name).read_text())


# Throughput.


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(port, process, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer within a minute")


def parse_wrk(text):
    """Requests per second, latency and errors from wrk's report."""

    def number(pattern, default=0.0):
        match = re.search(pattern, text)
        return float(match.group(1)) if match else default

    def duration_ms(value, unit):
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]

    latency = {}
    for label in ("50%", "99%"):
        match = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
        if match:
            latency[label] = duration_ms(*match.groups())
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    return {
        "requests": int(number(r"(\d+) requests in")),
        "requests_per_s": number(r"Requests/sec:\s+([\d.]+)"),
        "non_2xx_3xx": int(number(r"Non-2xx or 3xx responses: (\d+)")),
        "socket_errors": sum(map(int, socket_errors.groups())) if socket_errors else 0,
        "latency_p50_ms": latency.get("50%"),
        "latency_p99_ms": latency.get("99%"),
    }


def throughput(url, redis_url, paths, *, workers):
    """Requests a second and errors for each path, through gunicorn and wrk,
    with the page cache on and off."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return {"skipped": "skipped: wrk is not installed (apt-get install wrk)"}
    gunicorn = str(Path(PYTHON).parent / "gunicorn")
    results = {"workers": workers, "seconds": WRK_SECONDS, "connections": WRK_CONNECTIONS}
    for mode, extra in (("cached", {}), ("uncached", {"PAGE_CACHE": "false"})):
        flush_redis(redis_url)
        port = free_port()
        command = [gunicorn, "config.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
        command += ["--timeout", "60", "--graceful-timeout", "5", "--log-level", "warning"]
        env = site_env(url, REDIS_URL=redis_url, SITE_URL=f"http://127.0.0.1:{port}", **extra)
        # A session of its own, so that stopping it stops its workers and nothing else.
        process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
        try:
            wait_until_up(port, process)
            results[mode] = {}
            for name, path in paths.items():
                target = f"http://127.0.0.1:{port}{path}"
                options = [f"-c{WRK_CONNECTIONS}", f"-d{WRK_SECONDS}s", "--timeout", "10s"]
                headers = ["-H", "Accept-Encoding: gzip"]
                report = run(
                    [wrk, "-t2", *options, "--latency", *headers, target],
                    capture_output=True,
                    text=True,
                    timeout=WRK_SECONDS + 30,
                ).stdout
                results[mode][name] = {"path": path, **parse_wrk(report)}
                figures = results[mode][name]
                log(
                    f"    {mode:<9} {name:<20} {figures['requests_per_s']:8.1f} req/s, "
                    f"{figures['non_2xx_3xx'] + figures['socket_errors']} errors"
                )
        finally:
            stop(process)
    return results


def stop(process):
    """Stop gunicorn (and only it): TERM to its own process group, KILL if need be."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def flush_redis(redis_url):

    redis.Redis.from_url(redis_url).flushdb()


# Targets.


def endpoint_figure(entry, mode="uncached"):
    """The median (ms) an endpoint's ratio is taken on, or None on error."""
    result = (entry or {}).get(mode) or {}
    if "error" in result or "median_ms" not in result:
        return None
    return result.get("ttfb_median_ms", result["median_ms"])


def _names(results):
    """Every endpoint measured at either size, in the order measured."""
    return list(
        dict.fromkeys(
            name for data in results["datasets"].values() for name in data.get("endpoints", {})
        )
    )


def _queries(entry):
    return ((entry or {}).get("uncached") or {}).get("queries")


def _failure(entry, mode="uncached"):
    result = (entry or {}).get(mode) or {"error": "not measured"}
    return result.get("error", "not measured")


def check_targets(results):
    """Each target with PASS or FAIL and the figure it was judged on."""
    small = results["datasets"][SMALL]
    large = results["datasets"][LARGE]
    targets = []

    def target(name, passed, figure):
        targets.append({"target": name, "passed": bool(passed), "figure": figure})

    small_endpoints = small.get("endpoints", {})
    large_endpoints = large.get("endpoints", {})
    for label, data in ((SMALL, small), (LARGE, large)):
        if not data.get("endpoints"):
            target(f"endpoints measured at {label}", False, data.get("error", "not measured"))
    for name in _names(results):
        if name in NOT_RATIO_JUDGED:
            continue
        entry = large_endpoints.get(name)
        before, after = endpoint_figure(small_endpoints.get(name)), endpoint_figure(entry)
        label = f"{name}: median at 100k ≤ {MAX_RATIO:g} × at 1k"
        if name in STREAMED:
            label += " (time to first byte)"
        if before is None or after is None:
            failing = small_endpoints.get(name) if before is None else entry
            target(label, False, _failure(failing))
        else:
            ratio = after / before if before else float("inf")
            target(label, ratio <= MAX_RATIO, f"{ratio:.2f} ({before:.1f} → {after:.1f} ms)")

    too_many, differing = [], []
    for name in _names(results):
        if name in STREAMED:
            continue
        counts = {
            SMALL: _queries(small_endpoints.get(name)),
            LARGE: _queries(large_endpoints.get(name)),
        }
        known = [n for n in counts.values() if n is not None]
        if any(n > MAX_QUERIES for n in known):
            too_many.append(f"{name} {max(known)}")
        if len(known) < 2 or counts[SMALL] != counts[LARGE]:
            differing.append(f"{name} {counts[SMALL]}/{counts[LARGE]}")
    target(
        f"at most {MAX_QUERIES} SQL queries per page",
        not too_many,
        ", ".join(too_many) or "all within",
    )
    target(
        "the same queries per page at 1k and 100k",
        not differing,
        ", ".join(differing) or "all the same",
    )
    page_sizes = []
    for label, endpoints in ((SMALL, small_endpoints), (LARGE, large_endpoints)):
        counts = [_queries(endpoints.get(name)) for name in PAGE_SIZES]
        page_sizes.append((label, counts))
    target(
        "the same queries for 20 and 100 results a page (API)",
        all(c[0] is not None and c[0] == c[1] for _, c in page_sizes),
        "; ".join(f"{label}: {c[0]} and {c[1]}" for label, c in page_sizes),
    )

    target(*_ratio_target(large_endpoints, DEEP_PAGE, "list", DEEP_PAGE_RATIO, "page 200"))
    target(*_ratio_target(large_endpoints, SEARCH_MOST, SEARCH_FEW, SEARCH_RATIO, "search"))

    boxes = large.get("geojson_boxes") or {}
    over = [
        f"{name}: {_box_figure(box)}"
        for name, box in boxes.items()
        if box.get("error")
        or box["features"] > GEOJSON_MAX_FEATURES
        or box["gzip_bytes"] > GEOJSON_MAX_GZIP_BYTES
    ]
    if boxes and not over:
        most = max(boxes.values(), key=lambda b: b["gzip_bytes"])
        figure = (
            f"at most {max(b['features'] for b in boxes.values())} features, "
            f"{most['gzip_bytes'] / 1000:.0f} KB gzip, over {len(boxes)} views"
        )
    else:
        figure = "; ".join(over) or "not measured"
    target(
        f"GeoJSON at 100k: ≤ {GEOJSON_MAX_FEATURES:,} features and "
        f"≤ {GEOJSON_MAX_GZIP_BYTES // 1000} KB gzip at every view",
        boxes and not over,
        figure,
    )

    csv_small, csv_large = small.get("csv_all") or {}, large.get("csv_all") or {}
    label = (
        f"CSV of all rows at 100k streams in constant memory "
        f"(peak ≤ {CSV_MAX_PEAK_MB} MB and ≤ 1k's + {CSV_MAX_GROWTH_MB} MB)"
    )
    if csv_small.get("error") or csv_large.get("error") or not csv_large:
        target(label, False, csv_large.get("error") or csv_small.get("error") or "not measured")
    else:
        peak, base = csv_large["peak_rss_mb"], csv_small["peak_rss_mb"]
        # A line per initiative and the header (a quoted cell may hold more).
        complete = csv_large.get("lines", 0) > large["initiatives"]
        target(
            label,
            complete and peak <= CSV_MAX_PEAK_MB and peak - base <= CSV_MAX_GROWTH_MB,
            f"{peak:.0f} MB at 100k, {base:.0f} MB at 1k"
            + ("" if complete else f"; only {csv_large.get('lines', 0):,} lines"),
        )
    return targets


def _box_figure(box):
    if box.get("error"):
        return box["error"]
    return f"{box['features']} features, {box['gzip_bytes'] / 1000:.0f} KB"


def _ratio_target(endpoints, slow, fast, limit, what):
    label = f"{what} at 100k: {slow} ≤ {limit:g} × {fast}"
    a, b = endpoint_figure(endpoints.get(slow)), endpoint_figure(endpoints.get(fast))
    if a is None or b is None:
        failing = endpoints.get(slow) if a is None else endpoints.get(fast)
        return label, False, _failure(failing)
    ratio = a / b if b else float("inf")
    return label, ratio <= limit, f"{ratio:.2f} ({a:.1f} vs {b:.1f} ms)"


# Output.


def ms(value):
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def size(value):
    if value is None:
        return "-"
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f} MB"
    return f"{value / 1000:.1f} KB" if value >= 1000 else f"{value} B"


def _timing(result, prefix=""):
    if not result or "error" in result:
        error = (result or {}).get("error", "not measured")
        return "timeout" if "timed out" in error else "error"
    median, p95 = result.get(f"{prefix}median_ms"), result.get(f"{prefix}p95_ms")
    mark = "*" if result.get("capped") else ""
    return f"{ms(median)} / {ms(p95)}{mark}"


def table(headers, rows):
    """A plain text table, numbers right-aligned."""
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=True)]
    lines = []
    for n, row in enumerate([headers, *rows]):
        cells = [
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def endpoint_rows(results):
    small = results["datasets"][SMALL].get("endpoints", {})
    large = results["datasets"][LARGE].get("endpoints", {})
    rows = []
    for name in _names(results):
        before, entry = small.get(name) or {}, large.get(name) or {}
        variants = [("", "")]
        if name in STREAMED:
            variants = [("", " (total)"), ("ttfb_", " (first byte)")]
        for prefix, suffix in variants:
            a, b = before.get("uncached"), entry.get("uncached")
            ratio = "-"
            if a and b and f"{prefix}median_ms" in a and f"{prefix}median_ms" in b:
                ratio = f"{b[f'{prefix}median_ms'] / a[f'{prefix}median_ms']:.2f}"
            queries = "/".join(str((r or {}).get("queries", "-")) for r in (a, b))
            cached = entry.get("cached") or {}
            rows.append(
                [
                    name + suffix,
                    _timing(a, prefix),
                    _timing(b, prefix),
                    ratio,
                    queries,
                    f"{size((b or {}).get('bytes'))} ({size((b or {}).get('gzip_bytes'))})",
                    ms(cached.get(f"{prefix}median_ms")) if "error" not in cached else "error",
                ]
            )
    return rows


def report(results):
    """The whole report, as printed."""
    out = []
    for label, data in results["datasets"].items():
        if data.get("error"):
            out.append(f"At {label}, measuring failed: {data['error']}")
        if (data.get("csv_all") or {}).get("error"):
            out.append(f"At {label}, the whole CSV export failed: {data['csv_all']['error']}")
    out.append("Server time in ms, median / 95th percentile, uncached (* fewer samples: slow)")
    out.append(
        table(
            [
                "endpoint",
                "1k",
                "100k",
                "100k/1k",
                "queries 1k/100k",
                "bytes 100k (gzip)",
                "cached 100k",
            ],
            endpoint_rows(results),
        )
    )
    large = results["datasets"][LARGE]
    boxes = large.get("geojson_boxes") or {}
    if boxes:
        out += ["", "GeoJSON at 100k, by map view (uncached)"]
        rows = [
            [
                name,
                box.get("features", box.get("error", "-")),
                {True: "yes", False: "no"}.get(box.get("clustered"), "-"),
                size(box.get("gzip_bytes")),
                ms(box.get("ms")),
                box.get("queries", "-"),
            ]
            for name, box in boxes.items()
        ]
        out.append(table(["view", "features", "clusters", "gzip", "ms", "queries"], rows))
    csv_rows = []
    for label in (SMALL, LARGE):
        csv = results["datasets"][label].get("csv_all") or {}
        if csv:
            csv_rows.append(
                [
                    label,
                    ms(csv.get("ttfb_ms")),
                    ms(csv.get("total_ms")),
                    size(csv.get("bytes")),
                    csv.get("queries", "-"),
                    f"{csv.get('peak_rss_mb', 0):.0f} MB",
                    csv.get("error") or "",
                ]
            )
    if csv_rows:
        out += ["", "CSV export of all rows, in a process of its own"]
        headers = ["dataset", "first byte ms", "total ms", "size", "queries", "peak RSS", ""]
        out.append(table(headers, csv_rows))
    matches = {label: results["datasets"][label].get("search_matches") for label in DATASETS}
    if any(matches.values()):
        counts = [
            f"{label}: " + ", ".join(f"{w!r} {n:,}" for w, n in m.items() if isinstance(n, int))
            for label, m in matches.items()
            if m
        ]
        out += ["", "Rows each search matches: " + "; ".join(counts)]
    near = []
    for label in DATASETS:
        endpoints = results["datasets"][label].get("endpoints", {})
        found = [
            f"{n} {e['found']:,}" for n, e in endpoints.items() if isinstance(e.get("found"), int)
        ]
        if found:
            near.append(f"{label}: " + ", ".join(found))
    if near:
        postcode = results["datasets"][LARGE].get("near_postcode")
        out += ["", f"Initiatives each near search finds (near {postcode}): " + "; ".join(near)]
    for name in NOT_RATIO_JUDGED:
        out.append(
            f"The 100k/1k ratio of {name!r} is not a target: its word matches a page or "
            "less at 1k (see NOT_RATIO_JUDGED in bench/run.py)."
        )
    speed = results.get("throughput")
    if speed and "cached" in speed:
        out += [
            "",
            f"Throughput at 100k: gunicorn, {speed['workers']} workers; "
            f"wrk, {speed['connections']} connections for {speed['seconds']} s",
        ]
        rows = []
        for name in speed.get("cached", {}):
            row = [name]
            for mode in ("cached", "uncached"):
                figures = speed.get(mode, {}).get(name) or {}
                row += [
                    f"{figures.get('requests_per_s', 0):.1f}",
                    ms(figures.get("latency_p50_ms")),
                    figures.get("non_2xx_3xx", 0) + figures.get("socket_errors", 0),
                ]
            rows.append(row)
        headers = ["endpoint", "cached req/s", "p50 ms", "errors"]
        headers += ["uncached req/s", "p50 ms", "errors"]
        out.append(table(headers, rows))
    elif speed:
        out += ["", f"Throughput: {speed.get('skipped') or speed.get('error')}"]
    out += ["", "Targets"]
    for item in results["targets"]:
        out.append(f"  {'PASS' if item['passed'] else 'FAIL'}  {item['target']}: {item['figure']}")
    passed = sum(t["passed"] for t in results["targets"])
    out.append(f"{passed} of {len(results['targets'])} targets met.")
    busy = results.get("machine", {}).get("busy_cores_at_start") or 0
    if busy > BUSY_CORES:
        out.append(
            f"Note: other work kept {busy:.1f} cores busy when the run started: "
            "timings are noisier than on a quiet machine."
        )
    return "\n".join(out)


def save(results, stamp):
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=1)
    path = RESULTS / f"bench-{stamp}.json"
    path.write_text(text)
    (RESULTS / "latest.json").write_text(text)
    return path


# The run.


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats, no throughput")
    parser.add_argument("--repeats", type=int, help="requests per endpoint (default 31)")
    parser.add_argument("--rebuild", action="store_true", help="build the datasets afresh")
    parser.add_argument(
        "--postcodes",
        type=int,
        default=POSTCODES,
        help=f"generated postcodes in each dataset (default {POSTCODES:,})",
    )
    args = parser.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 31)
    base = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    started = time.monotonic()
    now = datetime.now(UTC)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    results = {
        "started": now.isoformat(timespec="seconds"),
        "options": {
            "repeats": repeats,
            "quick": args.quick,
            "request_timeout_s": REQUEST_TIMEOUT,
            "postcodes": args.postcodes,
        },
        "machine": {
            "cores": os.cpu_count(),
            "python": sys.version.split()[0],
            "busy_cores_at_start": busy_cores(),
        },
        "datasets": {},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    log_path = RESULTS / f"bench-{stamp}.log"  # the measuring processes' errors

    log("Static files (production storage needs the manifest)")
    run(
        [PYTHON, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        env=site_env("sqlite:///:memory:"),
        check=True,
    )
    log("Datasets")
    urls = {
        label: ensure_dataset(base, label, size, rebuild=args.rebuild)
        for label, size in DATASETS.items()
    }
    log(f"Postcodes ({args.postcodes:,} generated rows)")
    path = postcode_file(args.postcodes, rebuild=args.rebuild)
    postcodes = {label: ensure_postcodes(url, path, args.postcodes) for label, url in urls.items()}
    # One postcode for both sizes, chosen where the initiatives are many.
    near = run_measure(urls[LARGE], redis_url, "--choose-near", log_path=log_path)
    near_postcode = near.get("near_postcode")
    log(f"  searching near {near_postcode or '(none found: ' + str(near) + ')'}")
    for label, url in urls.items():
        log(f"Measuring at {label} ({repeats} requests an endpoint, uncached then cached)")
        data = run_measure(
            url,
            redis_url,
            "--repeats",
            str(repeats),
            "--timeout",
            str(REQUEST_TIMEOUT),
            *(["--near-postcode", near_postcode] if near_postcode else []),
            log_path=log_path,
        )
        log("  the whole CSV export")
        csv = run_measure(
            url, redis_url, "--csv-all", "--timeout", str(CSV_TIMEOUT), log_path=log_path
        )
        data["csv_all"] = csv.get("csv_all", csv)
        database = urlsplit(url).path.lstrip("/")  # not the URL: it may hold a password
        results["datasets"][label] = {
            "initiatives": DATASETS[label],
            "postcodes": postcodes[label],
            "database": database,
            **data,
        }

    if args.quick:
        results["throughput"] = {"skipped": "skipped (--quick)"}
    else:
        log("Throughput at 100k")
        endpoints = results["datasets"][LARGE].get("endpoints", {})
        paths = {n: endpoints[n]["path"] for n in THROUGHPUT_ENDPOINTS if n in endpoints}
        try:
            results["throughput"] = throughput(
                urls[LARGE], redis_url, paths, workers=os.cpu_count()
            )
        except (RuntimeError, OSError, subprocess.SubprocessError) as error:
            results["throughput"] = {"error": f"failed: {error}"}

    results["targets"] = check_targets(results)
    results["passed"] = all(t["passed"] for t in results["targets"])
    results["duration_s"] = round(time.monotonic() - started)
    log()
    log(report(results))
    path = save(results, stamp)
    if log_path.exists() and not log_path.stat().st_size:
        log_path.unlink()
    log(f"\nRan in {results['duration_s']} s. Results in {path.relative_to(ROOT)} and latest.json.")
    return 0 if results["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())

"""Load with nothing lost: under steady traffic, with PostgreSQL restarted once
in the middle, every request either works or, while the database is away,
answers 503; and every submission the site accepted reaches the moderation
queue, with its email to the submitter queued and sent by the task worker.

It starts a PostgreSQL of its own (initdb into a temporary folder, a free
port on 127.0.0.1), migrates a database there, loads the demo data and serves
the site with gunicorn (2 workers) in production settings. Then browsing
clients read pages, search and fetch the map's GeoJSON for a bounded time,
while verified residents fill in the real submission form (its CSRF token,
its minimum time to fill) and send each draft for moderation. Half-way
through, PostgreSQL is restarted (pg_ctl restart -m fast).

It prints its counts, then exits 1 if any request failed (a 5xx, or no
answer at all) outside the outage window, if a 5xx was anything but a 503
with Retry-After, or if any submission the site accepted is not in the
moderation queue or has no email in the outbox. Gunicorn, the PostgreSQL server and
the temporary folder go at the end, on failure and on Ctrl-C too.

    python -m reliability.load [--quick] [--clients N] [--seconds S] [--submissions N]
"""

import argparse
import http.client
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg2

from bench.run import table  # the benchmark's plain text table

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DATABASE = "cpm_load"


@dataclass(frozen=True)
class Plan:
    clients: int  # browsing clients, each one request after another
    seconds: float  # how long they browse; PostgreSQL restarts half-way
    submissions: int  # sent by residents, spread over the browsing time

    @property
    def spread(self) -> float:
        """Submissions fall due evenly over this first part of the browsing time."""
        return self.seconds * 0.85

    @property
    def residents(self) -> int:
        """Enough residents, each sending one submission at a time, to send them all."""
        return min(
            self.submissions, max(1, math.ceil(self.submissions * SUBMISSION_SECONDS / self.spread))
        )


FULL = Plan(clients=32, seconds=60, submissions=200)
QUICK = Plan(clients=8, seconds=15, submissions=30)

GUNICORN_WORKERS = 2
# The form turns away a post sent sooner than 3 s after it was shown
# (initiatives.abuse.MIN_FILL_SECONDS): residents take a little longer.
FILL_SECONDS = 3.5
# About how long one submission takes a resident: the form, the wait, the
# post, the review page and sending it. Enough residents work at once to
# send every submission within the browsing time.
SUBMISSION_SECONDS = 6
REQUEST_TIMEOUT = 60
# A request is "in the outage" when it was in flight at any moment from the
# restart command to the first connection that works afterwards, or this
# many seconds later.
OUTAGE_GRACE = 1.0
# Submissions not started this long after the browsing ends are not sent.
SUBMIT_GRACE = 60
# How long a resident whose submission was refused waits before the next.
REFUSED_PAUSE = 3

SEARCH_WORDS = ("energy", "food", "community", "repair", "solar", "garden", "housing", "youth")


def log(text=""):
    print(text, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SetupError(Exception):
    pass


# The servers.


def postgres_bindir() -> Path:
    """PG_BIN, else the newest /usr/lib/postgresql/*/bin (Debian), else the PATH."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise SetupError(
        "initdb not found: install the PostgreSQL server (apt-get install postgresql) "
        "or set PG_BIN to the folder that holds initdb and pg_ctl."
    )


class PostgreSQL:
    """A throwaway PostgreSQL server in `folder`, on a free port of 127.0.0.1.

    PostgreSQL will not run as root: as root, its programs run as the
    `postgres` user, which owns the server's folder.
    """

    def __init__(self, folder: Path):
        self.bindir = postgres_bindir()
        self.folder = folder / "postgresql"
        self.data = self.folder / "data"
        self.logfile = self.folder / "server.log"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, program, *args, timeout=120):
        command = [str(self.bindir / program), *map(str, args)]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        # A session of its own: Ctrl-C in the terminal reaches this script,
        # which stops the server itself, and not the server directly.
        result = subprocess.run(  # noqa: S603 (our own arguments)
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            start_new_session=True,
            check=False,
        )
        if result.returncode:
            raise SetupError(f"{program} failed: {result.stderr.strip() or result.stdout.strip()}")
        return result

    def start(self):
        self.folder.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self.folder.chmod(0o700)
        self._run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8")
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder}"
        self._run("pg_ctl", "-D", self.data, "-l", self.logfile, "-o", options, "-w", "start")
        self.execute("postgres", f"CREATE DATABASE {DATABASE}")

    def restart(self):
        self._run("pg_ctl", "-D", self.data, "-l", self.logfile, "-m", "fast", "-w", "restart")

    def stop(self):
        if not (self.data / "postmaster.pid").exists():
            return
        try:
            self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", "30", "stop")
        except (SetupError, subprocess.TimeoutExpired):
            self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")

    def connect(self, database=DATABASE, timeout=2):

        connection = psycopg2.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            dbname=database,
            connect_timeout=timeout,
        )
        connection.autocommit = True
        return connection

    def execute(self, database, sql):
        connection = self.connect(database, timeout=10)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()

    def answers(self) -> bool:

        try:
            self.connect().close()
        except psycopg2.Error:
            return False
        return True

    def log_tail(self, lines=20) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def site_env(database_url: str, folder: Path, secret_key: str) -> dict:
    """Production settings on plain HTTP on loopback, with this run's own
    database, files and key, and none of the machine's other services."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": "127.0.0.1",
        # Required in production; Gunicorn.start gives it the server's port.
        "SITE_URL": "http://127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        # Every client comes from 127.0.0.1: limits per address would count
        # them all as one visitor.
        "API_RATE": "1000000/minute",
        "SUBMISSIONS_PER_USER_PER_HOUR": "100000",
        "SUBMISSIONS_PER_IP_PER_HOUR": "100000",
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": "0",
        "DATABASE_REPLICA_URLS": "",
        "REDIS_URL": "",
        "PAGE_CACHE": "true",
        # The queue production uses: a table in the same database, so its
        # emails are written in the submission's transaction.
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "MEDIA_STORAGE": "filesystem",
        "MEDIA_ROOT": str(folder / "media"),
        "STATIC_ROOT": str(folder / "static"),
        "STATIC_URL": "",
        "EMAIL_URL": "consolemail://",
        "NUM_PROXIES": "0",
        "LOG_LEVEL": "WARNING",
    }


def manage(env, *args, stdin=None, timeout=900) -> str:
    result = subprocess.run(  # noqa: S603 (this Python, our own arguments)
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        start_new_session=True,
        check=False,
    )
    if result.returncode:
        raise SetupError(f"manage.py {args[0]} failed:\n{result.stderr[-3000:]}")
    return result.stdout


# Residents with a confirmed address and a session each, made in the
# database as an account page would leave them; and what there is to browse.
PREPARE = """
import json, sys
from allauth.account.models import EmailAddress
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from communities.models import Place
from initiatives.models import Initiative, Theme

sessions = []
for n in range(int(sys.stdin.read())):
    email = f"resident-{n}@load.example.org"
    user = get_user_model().objects.create_user(email, None)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    sessions.append(session.session_key)
centres = Place.objects.exclude(latitude=None).exclude(longitude=None)
print(json.dumps({
    "sessions": sessions,
    "initiatives": list(Initiative.objects.published().values_list("slug", flat=True)),
    "places": list(Place.objects.values_list("slug", flat=True)),
    "centres": list(centres.values_list("latitude", "longitude")),
    "themes": list(Theme.objects.values_list("slug", flat=True)),
}))
"""

# Which of the accepted submissions (ids on stdin) are in the moderation
# queue: the queue lists the initiatives waiting in the pending state.
IN_QUEUE = """
import json, sys
from accounts.models import OutgoingEmail
from initiatives.models import Initiative

ids = json.loads(sys.stdin.read())
pending = Initiative.objects.filter(moderation_state=Initiative.State.PENDING)
received = OutgoingEmail.objects.filter(kind="submission_received")
print(json.dumps({
    "emails": received.filter(to__0__endswith="@load.example.org").count(),
    "in_queue": list(pending.filter(pk__in=ids["accepted"]).values_list("pk", flat=True)),
    "refused_in_queue": pending.filter(pk__in=ids["refused"]).count(),
    "queue": pending.filter(submitted_by__email__endswith="@load.example.org").count(),
}))
"""


class Gunicorn:
    def __init__(self, env, folder: Path):
        self.env = env
        self.port = free_port()
        self.logfile = folder / "gunicorn.log"
        self.process = None

    def start(self):
        command = [PYTHON, "-m", "gunicorn", "config.wsgi", "-w", str(GUNICORN_WORKERS)]
        command += ["-b", f"127.0.0.1:{self.port}", "--timeout", "60", "--graceful-timeout", "5"]
        with self.logfile.open("wb") as output:
            # A session of its own, so that stopping it stops its workers and nothing else.
            self.process = subprocess.Popen(  # noqa: S603 (this Python, our own arguments)
                command,
                cwd=ROOT,
                env={**self.env, "SITE_URL": f"http://127.0.0.1:{self.port}"},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SetupError(f"gunicorn exited:\n{self.log_tail()}")
            if Client(self.port).get("/robots.txt", "setup").status == 200:
                return
            time.sleep(0.3)
        raise SetupError(f"gunicorn did not answer within a minute:\n{self.log_tail()}")

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def log_tail(self, lines=30) -> str:
        try:
            text = self.logfile.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


# The clients.


@dataclass
class Record:
    kind: str  # "browse" or "submit"
    label: str
    start: float
    end: float
    status: int | None  # None: no answer (refused, reset, timed out)
    retry_after: bool = False  # the answer has a Retry-After header


@dataclass
class Response:
    status: int | None
    headers: dict = field(default_factory=dict)
    body: bytes = b""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class Client:
    """One visitor: requests one after another, with their own cookies."""

    def __init__(self, port, records=None, kind="browse"):
        self.port = port
        self.records = records if records is not None else []
        self.kind = kind
        self.cookies: dict[str, str] = {}

    def get(self, path, label, **options):
        return self.request("GET", path, label, **options)

    def post(self, path, data, label):
        body = urlencode(data, doseq=True).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"http://127.0.0.1:{self.port}",
            "Referer": f"http://127.0.0.1:{self.port}{path}",
        }
        return self.request("POST", path, label, body=body, headers=headers)

    def request(self, method, path, label, *, body=None, headers=None, gzip=False):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if gzip:  # read but never looked at: as a browser asks
            headers["Accept-Encoding"] = "gzip"
        start = time.monotonic()
        response = Response(None)
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            response = Response(answer.status, {}, answer.read())
            for name, value in answer.getheaders():
                if name.lower() == "set-cookie":
                    self._keep_cookie(value)
                else:
                    response.headers[name.lower()] = value
        except (OSError, http.client.HTTPException):
            pass
        finally:
            connection.close()
        retry_after = "retry-after" in response.headers
        self.records.append(
            Record(self.kind, label, start, time.monotonic(), response.status, retry_after)
        )
        return response

    def _keep_cookie(self, header):
        try:
            cookie = SimpleCookie(header)
        except CookieError:
            return
        for name, morsel in cookie.items():
            if morsel["max-age"] == "0" or not morsel.value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value


class FormReader(HTMLParser):
    """The fields a browser would send for each POST form of a page, as it
    stands (hidden fields, defaults, ticked boxes), and the choices offered:
    the boxes one may tick and the options of each datalist."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[list[tuple[str, str]]] = []
        self.choices: dict[str, list[str]] = {}
        self.datalists: dict[str, list[str]] = {}
        self._form = None
        self._select = None  # [name, first option, selected option]
        self._datalist = None

    def handle_starttag(self, tag, attrs):
        a = {k: v if v is not None else "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._form = []
            self.forms.append(self._form)
        elif tag == "datalist":
            self._datalist = self.datalists.setdefault(a.get("id", ""), [])
        elif tag == "option" and self._datalist is not None:
            self._datalist.append(a.get("value", ""))
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                self.choices.setdefault(a["name"], []).append(a.get("value", "on"))
                if "checked" in a:
                    self._form.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button", "file", "image", "reset") and "value" in a:
                self._form.append((a["name"], a["value"]))
        elif tag == "select" and a.get("name"):
            self._select = [a["name"], None, None]
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select[1] is None:
                self._select[1] = value
            if "selected" in a:
                self._select[2] = value

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "datalist":
            self._datalist = None
        elif tag == "select" and self._select is not None:
            name, first, selected = self._select
            value = selected if selected is not None else first
            if self._form is not None and value is not None:
                self._form.append((name, value))
            self._select = None

    @classmethod
    def read(cls, html):
        reader = cls()
        reader.feed(html)
        return reader

    def form_with(self, name) -> list[tuple[str, str]] | None:
        return next((f for f in self.forms if any(n == name for n, _v in f)), None)


class Browsing:
    """What the browsing clients ask for, in proportions like a visitor's."""

    def __init__(self, site):
        self.site = site

    def pick(self, rng):
        site = self.site
        kind = rng.choices(
            [
                "home",
                "list",
                "search",
                "filter",
                "map",
                "geojson",
                "detail",
                "place",
                "theme",
                "api",
            ],
            weights=[8, 10, 18, 8, 4, 20, 12, 7, 5, 8],
        )[0]
        if kind == "home":
            return kind, "/"
        if kind == "list":
            return kind, rng.choice(["/initiatives/", "/initiatives/?page=2"])
        if kind == "search":
            return kind, f"/initiatives/?q={rng.choice(SEARCH_WORDS)}"
        if kind == "filter":
            if rng.random() < 0.5 and site["themes"]:
                return kind, f"/initiatives/?theme={rng.choice(site['themes'])}"
            return kind, f"/initiatives/?place={rng.choice(site['places'])}"
        if kind == "map":
            return kind, "/map/"
        if kind == "geojson":
            return kind, geojson_path(rng, site["centres"])
        if kind == "detail" and site["initiatives"]:
            return kind, f"/initiatives/{rng.choice(site['initiatives'])}/"
        if kind == "place":
            return kind, f"/places/{rng.choice(site['places'])}/"
        if kind == "theme" and site["themes"]:
            return kind, f"/themes/{rng.choice(site['themes'])}/"
        return "api", "/api/initiatives/"


def geojson_path(rng, centres):
    """The map's GeoJSON for a view of the country, of a place, or no view."""
    if not centres or rng.random() < 0.15:
        return "/api/initiatives.geojson"
    latitude, longitude, zoom = 54.0, -2.5, 6
    if rng.random() < 0.6:
        latitude, longitude = rng.choice(centres)
        zoom = rng.choice([9, 12, 14])
    half_width = 640 * 360 / 256 / 2**zoom
    half_height = 400 * 360 / 256 / 2**zoom * math.cos(math.radians(latitude))
    box = (longitude - half_width, latitude - half_height, longitude + half_width)
    box += (latitude + half_height,)
    return f"/api/initiatives.geojson?bbox={','.join(f'{v:.4f}' for v in box)}&zoom={zoom}"


def browse(port, browsing, until, stop, records, seed):
    rng = random.Random(seed)  # noqa: S311 (traffic, not secrets)
    client = Client(port, records)
    while time.monotonic() < until and not stop.is_set():
        label, path = browsing.pick(rng)
        client.get(path, label, gzip=True)


SUBMIT = "/initiatives/submit/"


@dataclass
class Outcome:
    number: int
    accepted_pk: int | None = None
    draft_pk: int | None = None
    refused: str = ""  # why, when refused


def _failed(response) -> str:
    return str(response.status) if response.status is not None else "no answer"


def submit_one(client, number, run_id, rng) -> Outcome:
    """A resident fills in the submission form, then sends the draft for moderation."""
    outcome = Outcome(number)
    form_page = client.get(SUBMIT, "submit: the form")
    shown = time.monotonic()
    if form_page.status != 200:
        outcome.refused = f"{_failed(form_page)} on the form"
        return outcome
    page = FormReader.read(form_page.text)
    fields = page.form_with("form_started")
    if fields is None:
        outcome.refused = "the form page has no submission form"
        return outcome
    places = page.datalists.get("place-options") or []
    data = [(name, value) for name, value in fields if name not in ("themes", "place")]
    data += [
        ("title", f"Load {run_id} tool library {number}"),
        ("summary", "Residents lend each other tools from a shed by the community centre."),
        ("description", f"Open on Saturdays, run by volunteers (load run {run_id})."),
        ("how_to_adapt", "Start with donated tools and a lockable shed."),
        ("themes", rng.choice(page.choices.get("themes") or [""])),
        ("place", rng.choice(places) if places else ""),
    ]
    if not any(name == "activity_status" for name, _v in data):
        data.append(("activity_status", "active"))
    time.sleep(max(0.0, shown + FILL_SECONDS - time.monotonic()))

    sent = client.post(SUBMIT, data, "submit: send the form")
    review = sent.headers.get("location", "")
    match = re.search(r"/initiatives/submit/(\d+)/review/$", urlsplit(review).path)
    if sent.status != 302 or not match:
        outcome.refused = f"{_failed(sent)} on sending the form"
        return outcome
    outcome.draft_pk = int(match.group(1))
    review = urlsplit(review).path

    review_page = client.get(review, "submit: review")
    form = FormReader.read(review_page.text).form_with("csrfmiddlewaretoken") or []
    token = dict(form).get("csrfmiddlewaretoken")
    if review_page.status != 200 or token is None:
        outcome.refused = f"{_failed(review_page)} on the review page"
        return outcome
    done = client.post(
        review, {"csrfmiddlewaretoken": token, "submit": "1"}, "submit: send for moderation"
    )
    if done.status == 302 and urlsplit(done.headers.get("location", "")).path.endswith(
        f"/initiatives/submit/{outcome.draft_pk}/done/"
    ):
        outcome.accepted_pk = outcome.draft_pk
    else:
        outcome.refused = f"{_failed(done)} on sending it for moderation"
    return outcome


def submitter(port, session_key, jobs, lock, outcomes, records, run_id, deadline, stop, seed):
    """A resident who takes the next submission when it falls due."""
    rng = random.Random(seed)  # noqa: S311 (traffic, not secrets)
    client = Client(port, records, kind="submit")
    client.cookies["sessionid"] = session_key
    while not stop.is_set():
        with lock:
            if not jobs:
                return
            number, due = jobs.pop(0)
        wait = due - time.monotonic()
        if wait > 0 and stop.wait(wait):
            return
        if time.monotonic() > deadline:
            outcomes.append(Outcome(number, refused="not sent: out of time"))
            continue
        outcome = submit_one(client, number, run_id, rng)
        outcomes.append(outcome)
        if outcome.refused:
            # A person reads the error page before starting again, rather
            # than spending every submission due in the outage at once.
            stop.wait(REFUSED_PAUSE)


# The run.


@dataclass
class Outage:
    began: float | None = None
    ended: float | None = None

    def overlaps(self, record: Record) -> bool:
        if self.began is None:
            return False
        end = (self.ended if self.ended is not None else math.inf) + OUTAGE_GRACE
        return record.start <= end and record.end >= self.began


def restart_postgresql(postgresql, outage):
    """pg_ctl restart -m fast; the outage ends at the first connection that works."""
    outage.began = time.monotonic()
    postgresql.restart()
    while not postgresql.answers():
        if time.monotonic() > outage.began + 120:
            raise SetupError(f"PostgreSQL did not come back:\n{postgresql.log_tail()}")
        time.sleep(0.05)
    outage.ended = time.monotonic()


def run_load(plan, site, port, postgresql, run_id):
    stop = threading.Event()
    records_by_thread, outcomes, lock = [], [], threading.Lock()
    outage = Outage()
    started = time.monotonic()
    until = started + plan.seconds
    jobs = [(n, started + n * plan.spread / plan.submissions) for n in range(plan.submissions)]
    residents = len(site["sessions"])
    threads = []
    browsing = Browsing(site)
    for n in range(plan.clients):
        records = []
        records_by_thread.append(records)
        threads.append(
            threading.Thread(
                target=browse, args=(port, browsing, until, stop, records, n), daemon=True
            )
        )
    for n in range(residents):
        records = []
        records_by_thread.append(records)
        args = (port, site["sessions"][n], jobs, lock, outcomes, records, run_id)
        args += (until + SUBMIT_GRACE, stop, 1000 + n)
        threads.append(threading.Thread(target=submitter, args=args, daemon=True))
    log(
        f"Load: {plan.clients} browsing clients for {plan.seconds:g} s, {plan.submissions} "
        f"submissions from {residents} residents; PostgreSQL restarts at {plan.seconds / 2:g} s"
    )
    for thread in threads:
        thread.start()
    try:
        stop.wait(max(0.0, started + plan.seconds / 2 - time.monotonic()))
        restart_postgresql(postgresql, outage)
        log(
            f"  PostgreSQL restarted at {outage.began - started:.1f} s: "
            f"{outage.ended - outage.began:.1f} s without a database"
        )
        hard_end = until + SUBMIT_GRACE + 3 * REQUEST_TIMEOUT
        for thread in threads:
            thread.join(timeout=max(0.0, hard_end - time.monotonic()))
    finally:
        stop.set()
    records = [r for group in records_by_thread for r in group]
    with lock:  # submissions that never started, on Ctrl-C or out of time
        for number, _due in jobs:
            outcomes.append(Outcome(number, refused="not sent: out of time"))
        jobs.clear()
    return records, sorted(outcomes, key=lambda o: o.number), outage, started


# The report.


# The columns of the requests table: a 5xx or no answer at all is a failure,
# counted apart when the request was in flight during the outage.
COLUMNS = (
    "requests",
    "2xx",
    "3xx",
    "4xx",
    "5xx in outage",
    "5xx outside",
    "no answer in outage",
    "no answer outside",
)


def count_requests(records, outage):
    """Per label (an endpoint, or a step of a submission): the COLUMNS and
    the response times."""
    counts = {}
    for record in records:
        row = counts.setdefault(record.label, {**dict.fromkeys(COLUMNS, 0), "times": []})
        row["requests"] += 1
        row["times"].append(record.end - record.start)
        when = "in outage" if outage.overlaps(record) else "outside"
        if record.status is None:
            row[f"no answer {when}"] += 1
        elif record.status >= 500:
            row[f"5xx {when}"] += 1
        else:
            row[f"{record.status // 100}xx"] += 1
    return counts


def request_table(counts):
    total = {name: sum(row[name] for row in counts.values()) for name in COLUMNS}
    total["times"] = [t for row in counts.values() for t in row["times"]]
    rows = []
    for label in sorted(counts, key=lambda name: (name.startswith("submit"), name)):
        rows.append(_row(label, counts[label]))
    rows.append(_row("all", total))
    return table(["what", *COLUMNS, "median ms"], rows), total


def _row(label, row):
    median = statistics.median(row["times"]) * 1000 if row["times"] else 0
    return [label, *(row[name] for name in COLUMNS), f"{median:.0f}"]


def report(plan, records, outcomes, outage, started, queue):
    counts = count_requests(records, outage)
    text, total = request_table(counts)
    accepted = [o for o in outcomes if o.accepted_pk is not None]
    refused = [o for o in outcomes if o.accepted_pk is None]
    reasons = {}
    for outcome in refused:
        reasons[outcome.refused] = reasons.get(outcome.refused, 0) + 1
    missing = sorted({o.accepted_pk for o in accepted} - set(queue["in_queue"]))
    # While the database is away, the site says so: 503 and Retry-After.
    unexplained = [
        r
        for r in records
        if r.status is not None and r.status >= 500 and not (r.status == 503 and r.retry_after)
    ]
    seconds = max(r.end for r in records) - started
    log()
    log(
        f"Requests: {plan.clients} browsing clients and the residents' submissions, "
        f"{total['requests']} requests in {seconds:.0f} s ({total['requests'] / seconds:.0f} a "
        f"second); outage window {outage.began - started:.1f}–{outage.ended - started:.1f} s "
        f"(+{OUTAGE_GRACE:g} s)"
    )
    log(text)
    log(f"5xx that were not a 503 with Retry-After: {len(unexplained)}")
    log()
    rows = [
        ["submissions", plan.submissions],
        ["accepted (sent for moderation)", len(accepted)],
        ["refused", len(refused)],
        *([f"  {reason}", n] for reason, n in sorted(reasons.items())),
        ["accepted and in the moderation queue", len(queue["in_queue"])],
        ["accepted but missing from the queue", len(missing)],
        ["refused but in the queue all the same", queue["refused_in_queue"]],
        ["in the queue from these residents", queue["queue"]],
        ["'submission received' emails in the outbox", queue["emails"]],
    ]
    log(table(["submissions", "count"], rows))
    problems = []
    failed_outside = total["5xx outside"] + total["no answer outside"]
    if failed_outside:
        problems.append(f"{failed_outside} requests failed (5xx or no answer) outside the outage")
    if unexplained:
        statuses = sorted({r.status for r in unexplained})
        problems.append(f"{len(unexplained)} 5xx were not a 503 with Retry-After: {statuses}")
    if missing:
        problems.append(f"accepted submissions missing from the moderation queue: {missing}")
    if queue["emails"] < len(accepted):
        problems.append(
            f"{len(accepted) - queue['emails']} accepted submissions have no email in the outbox"
        )
    if not accepted:
        problems.append("no submission was accepted")
    log()
    if problems:
        for problem in problems:
            log(f"FAILED: {problem}")
    else:
        log(
            "PASSED: no failure outside the outage, and every accepted submission is queued "
            "with its email."
        )
    return not problems


def prepare_site(env, residents):
    log("  migrating")
    manage(env, "migrate", "--no-input", "-v", "0")
    log("  loading the demo data")
    manage(env, "load_demo_data", "-v", "0")
    log(f"  {residents} residents with a confirmed address, signed in")
    out = manage(env, "shell", "-c", PREPARE, stdin=str(residents))
    return json.loads(out.strip().splitlines()[-1])


def check_queue(env, outcomes):
    ids = {
        "accepted": [o.accepted_pk for o in outcomes if o.accepted_pk is not None],
        "refused": [o.draft_pk for o in outcomes if o.accepted_pk is None and o.draft_pk],
    }
    # The tasks queued during the run (the emails to residents and
    # moderators, some written just before the outage): one worker takes
    # them all, then the outbox is counted.
    manage(env, "db_worker", "--batch", "--no-startup-delay", "--no-reload", "-v", "0")
    out = manage(env, "shell", "-c", IN_QUEUE, stdin=json.dumps(ids))
    return json.loads(out.strip().splitlines()[-1])


def _stop_on_signal(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="the short form for CI: 8 clients, 15 s, 30 submissions",
    )
    parser.add_argument("--clients", type=int, help="browsing clients")
    parser.add_argument("--seconds", type=float, help="how long they browse")
    parser.add_argument("--submissions", type=int, help="submissions to send")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    plan = Plan(
        clients=args.clients or plan.clients,
        seconds=args.seconds or plan.seconds,
        submissions=args.submissions or plan.submissions,
    )
    signal.signal(signal.SIGTERM, _stop_on_signal)
    signal.signal(signal.SIGHUP, _stop_on_signal)
    folder = Path(tempfile.mkdtemp(prefix="cpm-load-"))
    folder.chmod(0o711)  # the postgres user reaches its own folder inside
    postgresql = gunicorn = collect = None
    passed = False
    run_id = secrets.token_hex(3)
    began = time.monotonic()
    try:
        log(f"Setting up in {folder}")
        postgresql = PostgreSQL(folder)
        env = site_env(postgresql.url, folder, secrets.token_urlsafe(40))
        log("  static files")
        collect = subprocess.Popen(  # noqa: S603 (this Python, our own arguments)
            [PYTHON, "manage.py", "collectstatic", "--no-input", "-v", "0"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        log(f"  PostgreSQL ({postgresql.bindir}) on port {postgresql.port}")
        postgresql.start()
        site = prepare_site(env, plan.residents)
        if collect.wait(timeout=600):
            raise SetupError("collectstatic failed")
        gunicorn = Gunicorn(env, folder)
        log(f"  gunicorn, {GUNICORN_WORKERS} workers, on port {gunicorn.port}")
        gunicorn.start()
        log(f"Set up in {time.monotonic() - began:.0f} s")
        records, outcomes, outage, started = run_load(plan, site, gunicorn.port, postgresql, run_id)
        queue = check_queue(env, outcomes)
        passed = report(plan, records, outcomes, outage, started, queue)
        if not passed:
            log("\nThe site's log (last lines):\n" + gunicorn.log_tail())
    except SetupError as error:
        log(f"error: {error}")
        if postgresql is not None and postgresql.log_tail():
            log("PostgreSQL's log (last lines):\n" + postgresql.log_tail())
    except KeyboardInterrupt:
        log("\nInterrupted: cleaning up.")
    finally:
        # A second Ctrl-C must not leave the servers running.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if collect is not None and collect.poll() is None:
            collect.kill()
            collect.wait()
        if gunicorn is not None:
            gunicorn.stop()
        if postgresql is not None:
            try:
                postgresql.stop()
            except (SetupError, subprocess.TimeoutExpired) as error:
                log(f"warning: PostgreSQL did not stop: {error}")
        shutil.rmtree(folder, ignore_errors=True)
        log(f"Cleaned up; ran in {time.monotonic() - began:.0f} s.")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())

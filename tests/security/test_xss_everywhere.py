"""Whatever people write in the site's forms comes out as the text they
wrote, wherever it is shown: escaped in every HTML page (public, staff and
the admin) and in the HTML of every email, the same text in the JSON of the
API, the GeoJSON and Open Referral, text in the feeds, and never a formula
in the CSV export.

Each payload of a small corpus of attacks (scripts, broken-out attributes,
`javascript:` links, template syntax, spreadsheet formulas) goes into every
field that people write, through the forms and services they use; the
initiative is moderated and published, and then every channel is read.
"""

import csv
import io
import json
import re
import time
import xml.etree.ElementTree as ET
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import validate_email
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from communities import services as community_services
from communities.models import Membership
from initiatives.abuse import form_started_token
from initiatives.alerts import services as alerts
from initiatives.models import Alert, Initiative, InitiativeSource
from initiatives.moderation import reports
from initiatives.opendata.exports import FORMULA_STARTS
from tests.factories import make_initiative, make_organisation, make_place, make_theme
from tests.submission_forms import form_data, jpeg_bytes, staff_member, verified_user

pytestmark = pytest.mark.django_db

CORPUS = {
    "script": "<script>alert(1)</script>",
    "attribute": '"><img src=x onerror=alert(1)>',
    "single-quote": "'><script>alert(document.domain)</script>",
    "javascript-url": "javascript:alert(1)",
    "textarea": "</textarea><svg onload=alert(1)>",
    "template": "{{7*7}}{% now 'Y' %}",
    "hyperlink": '=HYPERLINK("https://evil.example","Click me")',
    "plus": "+cmd|' /C calc'!A0",
    "minus": "-1+1",
    "at": "@SUM(1)",
}
# The fields people write, each given the payload followed by its own name,
# so that each can be found where it is shown.
FIELDS = (
    "title",
    "summary",
    "description",
    "how_to_adapt",
    "region",
    "town",
    "proposed_place",
    "theme",
    "organisation",
    "organisation_description",
    "proposed_organisation",
    "contact_name",
    "credit",
    "source_title",
    "quote",
    "publisher",
    "author",
    "photo",
    "report",
    "report_outcome",
    "decision_message",
    "decision_note",
    "edited",
    "collection",
    "introduction",
    "job",
    "membership",
    "waiting",
)
# What a browser would run if it reached the page as markup.
MARKUP = re.compile(
    r"<script>alert|<img src=x onerror|<svg onload|</textarea><svg"
    r"""|(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""",
    re.IGNORECASE,
)


def hostile_email(payload):
    """The payload as the quoted local part of an address, if that is a valid
    address (RFC 5321 allows nearly anything between quotes); else a plain one."""
    local = "".join("\\" + c if c in '"\\ ' else c for c in payload)
    address = f'"{local}"@example.org'
    try:
        validate_email(address)
    except ValidationError:
        return "reader@example.org"
    return address


@pytest.fixture(params=list(CORPUS.values()), ids=list(CORPUS))
def payload(request):
    return request.param


@pytest.fixture
def hostile(payload, settings, django_capture_on_commit_callbacks, staff):
    """One of everything, each text field holding the payload, written as
    people write it: the forms for what they send, the services behind the
    others; then moderated, published, reported, edited, collected and
    followed."""
    settings.PAGE_CACHE = False
    text = {name: f"{payload} {name.replace('_', ' ')}" for name in FIELDS}
    email = hostile_email(payload)
    run = django_capture_on_commit_callbacks
    clients = {"anonymous": Client(), "admin": Client()}
    clients["admin"].force_login(staff)

    region = make_place(text["region"], kind="region", latitude=51.4, longitude=-2.6)
    town = make_place(text["town"], parent=region, latitude=51.45, longitude=-2.58)
    theme = make_theme(text["theme"])
    organisation = make_organisation(
        text["organisation"], places=[town], description=text["organisation_description"]
    )
    people = {
        "resident": verified_user("resident@example.org"),
        "moderator": staff_member("moderator@example.org", "Moderators"),
        "curator": staff_member("curator@example.org", "Curators"),
    }
    for name, user in people.items():
        clients[name] = Client()
        clients[name].force_login(user)

    def post(persona, path, data, status=302):
        with run(execute=True):
            response = clients[persona].post(path, data)
        assert response.status_code == status, (path, response.content[:2000])
        return response

    # Someone follows the town by email, before anything is published there.
    follow = {"email": email, "place": town.slug, "fax_number": ""}
    post(
        "anonymous",
        "/alerts/follow/",
        {**follow, "form_started": form_started_token(time.time() - 10)},
    )
    alert = Alert.objects.get()
    alerts.alert_confirm(alert.token)

    # A resident submits it, with a photo, a source, a proposed new place and
    # organisation, contact details and a name to be credited by.
    entry = {
        "title": text["title"],
        "summary": text["summary"],
        "description": text["description"],
        "how_to_adapt": text["how_to_adapt"],
        "contact_name": text["contact_name"],
        "contact_email": email,
        "contact_consent": "on",
        "website": "https://example.org/",
        "source_url": "https://example.org/news",
        "source_title": text["source_title"],
        "credit_submitter": "on",
        "public_name": text["credit"],
        "org-0-name": text["organisation"],
        "org-1-name": text["proposed_organisation"],
        "org-1-is_new": "on",
        "org-1-role": "partner",
    }
    submission = form_data(
        themes=[theme],
        place=text["proposed_place"],
        new_place="on",
        new_place_within=text["town"],
        **entry,
        **{
            "photo-0-image": SimpleUploadedFile("shed.jpg", jpeg_bytes(), "image/jpeg"),
            "photo-0-alt_text": text["photo"],
        },
    )
    post("resident", "/initiatives/submit/", submission)
    initiative = Initiative.objects.get(title=text["title"])
    post("resident", f"/initiatives/submit/{initiative.pk}/review/", {})
    InitiativeSource.objects.filter(initiative=initiative).update(
        quote=text["quote"], publisher=text["publisher"], author=text["author"]
    )
    make_initiative(
        text["waiting"],
        places=[town],
        themes=[theme],
        state=Initiative.State.PENDING,
        summary=text["summary"],
        submitted_by=people["resident"],
    )

    # A moderator publishes it, with a message to the submitter and a note.
    decision = {
        "action": "approve",
        "message": text["decision_message"],
        "note": text["decision_note"],
        "seen_state": "pending",
    }
    post("moderator", f"/moderation/initiatives/{initiative.pk}/", decision)
    initiative.refresh_from_db()

    # Two reports: one decided with a message to the reporter, one open.
    report = {"reason": "wrong", "details": text["report"], "email": email, "fax_number": ""}
    post(
        "anonymous",
        f"/initiatives/{initiative.slug}/report/",
        {**report, "form_started": form_started_token(time.time() - 10)},
    )
    decided = reports.report_create(
        initiative=initiative, reason="ended", details=text["report"], email=email
    )
    outcome = {"action": "resolve", "message": text["report_outcome"], "seen_state": "open"}
    post("moderator", f"/moderation/reports/{decided.pk}/", outcome)

    # The submitter proposes an edit.
    edit = form_data(themes=[theme], place=text["town"], **entry)
    post(
        "resident",
        f"/account/submissions/{initiative.pk}/edit/",
        {**edit, "description": text["edited"]},
    )

    # A curator collects and features it.
    collection = {
        "title": text["collection"],
        "introduction": text["introduction"],
        "is_public": "on",
        "add": text["title"],
    }
    post("curator", "/curation/collections/new/", collection)
    post("curator", f"/curation/initiatives/{initiative.pk}/feature/", {"featured": "1"})

    # The resident asks to act for the organisation; staff approve.
    membership = {
        "organisation": text["organisation"],
        "job_title": text["job"],
        "message": text["membership"],
    }
    post("resident", "/account/organisations/", membership)
    with run(execute=True):
        community_services.membership_decide(
            Membership.objects.get(), approve=True, decided_by=staff
        )

    # A week later the follower's digest goes out.
    Alert.objects.update(sent_through=timezone.now() - timedelta(days=7))
    Initiative.objects.filter(pk=initiative.pk).update(
        published_at=timezone.now() - timedelta(days=1)
    )
    with run(execute=True):
        alerts.send_digests()
    initiative.refresh_from_db()

    return {
        "payload": payload,
        "text": text,
        "email": email,
        "clients": clients,
        "initiative": initiative,
        "town": town,
        "region": region,
        "theme": theme,
        "organisation": organisation,
        "alert": alert,
    }


def page(client, path, status=200, **extra):
    response = client.get(path, **extra)
    assert response.status_code == status, (path, response.status_code)
    return response.content.decode()


def assert_escaped(html, hostile, *shown, where=""):
    """Nothing of the payload reaches `html` as markup, and each field named
    in `shown` is there, escaped."""
    payload = hostile["payload"]
    # (A quote alone may stand unescaped in JSON handed to a script.)
    if set(payload) & set('<>"'):
        assert payload not in html, f"{where}: the payload is in the page unescaped"
    found = MARKUP.search(html)
    assert found is None, f"{where}: {html[max(found.start() - 200, 0) : found.end() + 200]}"
    for name in shown:
        value = shown_value(hostile, name)
        assert escape(value) in html, f"{where}: {name} is not shown (escaped)"


def shown_value(hostile, name):
    if name == "email":  # as typed
        return hostile["email"]
    if name == "alert_email":  # as kept: an alert's address is kept in lower case
        return hostile["alert"].email
    return hostile["text"][name]


# HTML pages.


def test_hostile_text_is_shown_escaped_on_every_public_page(hostile):
    anonymous = hostile["clients"]["anonymous"]
    initiative, town, region = hostile["initiative"], hostile["town"], hostile["region"]
    theme, organisation = hostile["theme"], hostile["organisation"]
    collection = initiative.collection_items.get().collection
    pages = {
        "/": ("title", "theme"),
        "/initiatives/": ("title", "summary", "town", "theme"),
        f"/initiatives/?place={town.slug}": ("title", "town", "region"),
        f"/initiatives/?theme={theme.slug}&organisation={organisation.slug}": ("title",),
        initiative.get_absolute_url(): (
            "title",
            "summary",
            "description",
            "how_to_adapt",
            "town",
            "region",
            "theme",
            "organisation",
            "contact_name",
            "email",
            "credit",
            "source_title",
            "quote",
            "publisher",
            "author",
            "photo",
        ),
        town.get_absolute_url(): ("town", "region", "title", "summary"),
        region.get_absolute_url(): ("region", "town", "title"),
        theme.get_absolute_url(): ("theme", "title"),
        organisation.get_absolute_url(): ("organisation", "organisation_description", "title"),
        "/places/": ("region", "town"),
        "/themes/": ("theme",),
        "/organisations/": ("organisation",),
        "/collections/": ("collection",),
        collection.get_absolute_url(): ("collection", "introduction", "title"),
        f"/embed/map/?place={town.slug}": ("town", "title"),
        f"/map/?near={town.slug}": (),
        f"/initiatives/{initiative.slug}/report/": ("title",),
        f"/alerts/follow/?sent=1&place={town.slug}": ("town",),
        f"/alerts/{hostile['alert'].token}/confirm/": ("town",),
    }
    for path, shown in pages.items():
        assert_escaped(page(anonymous, path), hostile, *shown, where=path)

    # What people type comes back in the page too: a search (whose matches
    # are marked), and a filter that names nothing (whose error quotes it).
    echoed = page(anonymous, "/initiatives/", data={"q": hostile["text"]["title"]})
    assert_escaped(echoed, hostile, where="a search for the title")
    marked = page(anonymous, "/initiatives/", data={"q": "title"})
    assert_escaped(marked, hostile, where="a search that matches the title")
    assert "<mark>title</mark>" in marked
    for name in ("theme", "place", "near", "organisation"):
        refused = page(anonymous, "/initiatives/", 400, data={name: hostile["payload"]})
        assert_escaped(refused, hostile, where=f"a {name} that names nothing")
        assert 'class="error-summary"' in refused

    # The submitter's own pages.
    resident = hostile["clients"]["resident"]
    assert_escaped(page(resident, "/account/submissions/"), hostile, "title", "decision_message")
    assert_escaped(page(resident, "/account/organisations/"), hostile, "organisation")
    edit = page(resident, f"/account/submissions/{initiative.pk}/edit/")
    assert_escaped(edit, hostile, "title", "edited", "contact_name", "town", where="edit form")


def test_data_handed_to_scripts_on_a_page_is_json_that_cannot_close_its_script(hostile):
    html = page(hostile["clients"]["anonymous"], hostile["initiative"].get_absolute_url())
    blocks = re.findall(
        r'<script[^>]* type="application/(?:ld\+)?json"[^>]*>(.*?)</script>', html, re.S
    )
    assert len(blocks) >= 2  # the map's configuration and the schema.org description
    data = [json.loads(block) for block in blocks]
    linked = next(d for d in data if d.get("@type") == "Project")
    assert linked["name"] == hostile["text"]["title"]
    assert linked["description"] == hostile["text"]["summary"]
    config = next(d for d in data if "features" in d)
    (feature,) = config["features"]["features"]
    assert feature["properties"]["title"] == hostile["text"]["title"]


def test_hostile_text_is_shown_escaped_on_the_staff_pages(hostile):
    moderator, curator = hostile["clients"]["moderator"], hostile["clients"]["curator"]
    initiative = hostile["initiative"]
    waiting = Initiative.objects.get(title=hostile["text"]["waiting"])
    revision = initiative.revisions.get()
    report = initiative.reports.get(state="open")
    decided = initiative.reports.exclude(state="open").get()
    collection = initiative.collection_items.get().collection
    staff_pages = {
        moderator: {
            "/moderation/": ("waiting", "title", "town", "proposed_place", "proposed_organisation"),
            f"/moderation/initiatives/{initiative.pk}/": (
                "title",
                "summary",
                "description",
                "how_to_adapt",
                "town",
                "proposed_place",
                "proposed_organisation",
                "decision_message",
                "decision_note",
                "contact_name",
                "email",
            ),
            f"/moderation/initiatives/{waiting.pk}/": ("waiting", "summary"),
            f"/moderation/edits/{revision.pk}/": ("title", "description", "edited"),
            f"/moderation/reports/{report.pk}/": ("title", "report"),
            f"/moderation/reports/{decided.pk}/": ("title", "report", "report_outcome"),
            "/moderation/dashboard/": (),
            "/moderation/notifications/": (),
        },
        curator: {
            "/curation/": ("collection", "title"),
            f"/curation/collections/{collection.slug}/": ("collection", "introduction", "title"),
            "/curation/merge/places/": ("town", "region"),
            "/curation/merge/organisations/": ("organisation",),
        },
    }
    for client, pages in staff_pages.items():
        for path, shown in pages.items():
            assert_escaped(page(client, path), hostile, *shown, where=path)
    preview = curator.post(
        "/curation/merge/places/",
        {"duplicate": hostile["town"].slug, "keep": hostile["region"].slug},
    )
    assert preview.status_code == 200
    assert_escaped(preview.content.decode(), hostile, "town", "region", where="merge preview")


# (app, model, fields shown in its list, fields shown in its change forms)
ADMIN_PAGES = (
    ("initiatives", "initiative", ("title",), ("summary", "description", "contact_name")),
    ("initiatives", "theme", ("theme",), ("theme",)),
    # Places are a tree: its list shows the top, and the rest on demand.
    ("communities", "place", ("region",), ("town", "region")),
    ("communities", "organisation", ("organisation",), ("organisation_description",)),
    ("initiatives", "moderationdecision", ("title",), ("decision_message",)),
    ("initiatives", "proposedplace", ("proposed_place",), ("proposed_place",)),
    ("initiatives", "proposedorganisation", ("proposed_organisation",), ()),
    ("initiatives", "initiativerevision", ("title",), ()),
    ("initiatives", "alert", ("alert_email", "town"), ()),
    ("communities", "membership", ("organisation", "job"), ("membership",)),
    ("accounts", "user", ("credit",), ("credit",)),
)


def test_hostile_text_is_shown_escaped_in_the_admin(hostile):
    admin = hostile["clients"]["admin"]
    for app, model, listed, in_form in ADMIN_PAGES:
        changelist = reverse(f"admin:{app}_{model}_changelist")
        assert_escaped(page(admin, changelist), hostile, *listed, where=changelist)
        searched = page(admin, changelist, data={"q": hostile["payload"]})
        assert_escaped(searched, hostile, where=f"{changelist} searched")
        rows = apps.get_model(app, model).objects.order_by("pk")
        changes = "".join(
            page(admin, reverse(f"admin:{app}_{model}_change", args=[obj.pk])) for obj in rows
        )
        assert_escaped(changes, hostile, *in_form, where=f"{model} change forms")
        if model in ("initiative", "place", "organisation"):
            history = reverse(f"admin:{app}_{model}_history", args=[rows.first().pk])
            assert_escaped(page(admin, history), hostile, where=history)


# Data for other programs.


def test_the_api_geojson_and_open_referral_carry_hostile_text_as_the_same_text(hostile):
    anonymous = hostile["clients"]["anonymous"]
    text, initiative = hostile["text"], hostile["initiative"]

    def get_json(path, content_type="application/json"):
        response = anonymous.get(path)
        assert response.status_code == 200, path
        assert response["Content-Type"].startswith(content_type), path
        return response.json()

    listed = get_json("/api/initiatives/")["results"]
    assert [i["title"] for i in listed] == [text["title"]]
    detail = get_json(f"/api/initiatives/{initiative.slug}/")
    assert detail["summary"] == text["summary"]
    assert detail["description"] == text["description"]
    assert detail["how_to_adapt"] == text["how_to_adapt"]
    assert {p["name"] for p in get_json("/api/places/")["results"]} == {
        text["town"],
        text["region"],
    }
    assert get_json("/api/organisations/")["results"][0]["name"] == text["organisation"]
    assert get_json("/api/themes/")["results"][0]["name"] == text["theme"]
    collection = get_json("/api/collections/")["results"][0]
    assert (collection["title"], collection["introduction"]) == (
        text["collection"],
        text["introduction"],
    )

    geojson = get_json("/api/initiatives.geojson", "application/geo+json")
    (feature,) = geojson["features"]
    assert feature["properties"]["title"] == text["title"]
    assert feature["properties"]["summary"] == text["summary"]

    services = get_json("/openreferral/services")["contents"]
    assert services[0]["name"] == text["title"]
    service = get_json(f"/openreferral/services/{initiative.uuid}")
    assert service["description"].startswith(text["summary"])
    organisations = get_json("/openreferral/organizations")["contents"]
    assert text["organisation"] in {o["name"] for o in organisations}

    # The API's pages for people (DRF's browsable API) are HTML: escaped.
    browsable = page(anonymous, "/api/initiatives/", HTTP_ACCEPT="text/html")
    assert_escaped(browsable, hostile, where="browsable API")


def feed_items(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    root = ET.fromstring(response.content)
    atom = "{http://www.w3.org/2005/Atom}"
    if root.tag == f"{atom}feed":
        return root.find(f"{atom}title").text, [
            (
                entry.find(f"{atom}title").text,
                entry.find(f"{atom}summary").get("type"),
                entry.find(f"{atom}summary").text,
            )
            for entry in root.iter(f"{atom}entry")
        ]
    channel = root.find("channel")
    return channel.find("title").text, [
        (item.find("title").text, "html", item.find("description").text)
        for item in channel.iter("item")
    ]


def test_feeds_parse_and_carry_hostile_text_as_text(hostile):
    text = hostile["text"]
    anonymous = hostile["clients"]["anonymous"]
    subjects = {
        "": None,
        hostile["town"].get_absolute_url(): "town",
        hostile["theme"].get_absolute_url(): "theme",
        hostile["organisation"].get_absolute_url(): "organisation",
    }
    for base, subject in subjects.items():
        for kind in ("rss", "atom"):
            path = f"{base}feed.{kind}" if base else f"/feeds/initiatives.{kind}"
            title, items = feed_items(anonymous, path)
            if subject:
                assert text[subject] in title
            assert len(items) == 1, path
            ((item_title, summary_type, summary),) = items
            # Titles are text; a summary is HTML (Atom says so with
            # type="html", and RSS readers take a description as HTML).
            assert item_title == text["title"]
            assert summary_type == "html"
            assert unescape(summary) == text["summary"], path
            assert summary == escape(text["summary"]), path


def is_number(cell):
    """A number such as a longitude of -2.58: a spreadsheet reads it as one."""
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_the_csv_export_never_hands_a_spreadsheet_a_formula(hostile):
    response = hostile["clients"]["anonymous"].get("/initiatives/export.csv")
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(content)))
    assert len(rows) == 1
    cells = dict(zip(header, rows[0], strict=True))
    for name, value in cells.items():
        assert not value.startswith(FORMULA_STARTS) or is_number(value), (name, value)
    text, formula = hostile["text"], hostile["payload"].startswith(FORMULA_STARTS)
    for column, field in (
        ("title", "title"),
        ("summary", "summary"),
        ("description", "description"),
        ("how_to_adapt", "how_to_adapt"),
        ("contact_name", "contact_name"),
        ("credit", "credit"),
        ("theme_names", "theme"),
        ("organisation_names", "organisation"),
    ):
        assert cells[column] == ("'" if formula else "") + text[field], column
    assert text["town"] in cells["place_names"]


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_every_text_cell_that_a_spreadsheet_would_read_as_a_formula_is_neutralised(
    client, settings, england, start
):
    settings.PAGE_CACHE = False
    value = f"{start}2+3 cmd"
    theme = make_theme(f"{start}SUM(1) theme")
    organisation = make_organisation(f"{start}1 organisation")
    make_initiative(
        value,
        places=[make_place(f"{start}town", parent=england)],
        themes=[theme],
        organisations=[(organisation, "lead")],
        summary=value,
        description=value,
        how_to_adapt=value,
        contact_name=value,
        contact_consent=True,
    )
    response = client.get("/initiatives/export.csv")
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(content)))
    cells = dict(zip(header, row, strict=True))
    for name, cell in cells.items():
        assert not cell.startswith(FORMULA_STARTS) or is_number(cell), (name, cell)
    for name in ("title", "summary", "description", "how_to_adapt", "contact_name"):
        assert cells[name] == "'" + value


# Emails.


def test_emails_escape_hostile_text_in_their_html_and_keep_it_plain_in_their_text(hostile):
    text = hostile["text"]
    sent = {}
    for message in mail.outbox:
        sent.setdefault(message.subject.split(":")[0], []).append(message)
        ((html, mimetype),) = message.alternatives
        assert mimetype == "text/html"
        assert_escaped(html, hostile, where=message.subject)
        # Plain text is not HTML: what was written, not entities.
        assert "&lt;" not in message.body and "&quot;" not in message.body, message.subject
        assert "&lt;" not in message.subject and "&#x27;" not in message.subject
    titled = [m for m in mail.outbox if text["title"] in m.body]
    # Received, to moderate, published, a report's outcome, the digest.
    assert len(titled) >= 5
    for message in titled:
        assert escape(text["title"]) in message.alternatives[0][0], message.subject
    decision = next(m for m in mail.outbox if text["decision_message"] in m.body)
    assert escape(text["decision_message"]) in decision.alternatives[0][0]
    outcome = next(m for m in mail.outbox if text["report_outcome"] in m.body)
    assert escape(text["report_outcome"]) in outcome.alternatives[0][0]
    digest = next(
        m for m in mail.outbox if m.to == [hostile["alert"].email] and text["summary"] in m.body
    )
    assert escape(text["summary"]) in digest.alternatives[0][0]
    assert escape(text["town"]) in digest.alternatives[0][0]
    membership = next(m for m in mail.outbox if text["organisation"] in m.subject)
    assert escape(text["organisation"]) in membership.alternatives[0][0]
    confirm = next(m for m in mail.outbox if m.to == [hostile["alert"].email])
    assert escape(text["town"]) in confirm.alternatives[0][0]


# The map's script.


def test_the_map_script_builds_popups_from_text_never_from_html():
    script = (Path(settings.BASE_DIR) / "static" / "js" / "map.js").read_text()
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", script, flags=re.S)
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in code, sink
    # Leaflet builds icons from an `html` option: only empty, or an element
    # made here with its text set through textContent.
    elements = set(re.findall(r"var (\w+) = document\.createElement", code))
    for value in re.findall(r"\bhtml:\s*([^,\n}]+)", code):
        assert value.strip() == '""' or value.strip() in elements, value
    # Popups are elements too, and a link goes only to http(s).
    assert "bindPopup(function" in code
    assert ".textContent = properties.title" in code
    assert 'parsed.protocol === "http:" || parsed.protocol === "https:"' in code

"""A backup made by export_all, restored by import_all into an empty
database, gives back everything the site held: the same rows with the same
ids, the same history, the same photos and the same public pages; and a
file that cannot be restored is refused before anything is written."""

import json
import re
import zipfile
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress, EmailConfirmation
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Max
from django.urls import reverse

from accounts.models import OutgoingEmail
from accounts.services import mark_undeliverable
from communities.models import Membership, PlaceBoundary
from communities.services import membership_decide, membership_request
from initiatives.alerts.services import alert_confirm, alert_request
from initiatives.catalogue import photos
from initiatives.curation.services import collection_save
from initiatives.models import (
    Initiative,
    InitiativeImage,
    InitiativeRevision,
    InitiativeSource,
    MapCell,
    ModerationDecision,
    ProposedOrganisation,
    ProposedPlace,
    RevisionImage,
    Tally,
    TallyMark,
)
from initiatives.moderation import decisions
from initiatives.moderation.reports import report_create
from initiatives.ops import backup
from initiatives.ops.models import ScheduledRun
from tests.factories import make_initiative, make_organisation, make_theme
from tests.submission_forms import jpeg_bytes

pytestmark = pytest.mark.django_db

State = Initiative.State


@pytest.fixture
def world(places, theme, resident, moderator, curator):
    """Something of everything the site holds, made as the site makes it."""
    solar = make_theme("Solar", parent=theme)
    organisation = make_organisation("Ambition Lawrence Weston", places=[places["bristol"]])
    organisation.logo.save("logo.jpg", ContentFile(jpeg_bytes(size=(60, 60))))
    membership = membership_request(user=resident, organisation=organisation, job_title="Chair")
    membership_decide(membership, approve=True, decided_by=moderator)

    farm = make_initiative(
        "Community solar farm",
        places=[places["lawrence-weston"], places["bath"]],
        themes=[theme, solar],
        organisations=[(organisation, "lead")],
        submitted_by=resident,
        on_behalf_of=organisation,
    )
    farm.served_area = {
        "type": "Polygon",
        "coordinates": [[[-2.69, 51.5], [-2.66, 51.5], [-2.66, 51.51], [-2.69, 51.5]]],
    }
    PlaceBoundary.objects.create(
        place=places["bristol"],
        geometry={
            "type": "Polygon",
            "coordinates": [[[-2.7, 51.4], [-2.5, 51.4], [-2.5, 51.55], [-2.7, 51.4]]],
        },
        min_lat=51.4,
        min_lng=-2.7,
        max_lat=51.55,
        max_lng=-2.5,
        area_km2=110.0,
        source="LAD_DEC_2024_UK_BGC.geojson",
        imported_at=farm.created_at,
    )
    photo = add_photo(InitiativeImage(initiative=farm, alt_text="Panels", caption="Spring"))
    InitiativeSource.objects.create(initiative=farm, title="Bristol Post", url="https://x.test/")
    farm.title = "Lawrence Weston solar farm"
    farm._history_user = moderator
    farm.save()

    pending = make_initiative(
        "Repair café", places=[places["bristol"]], themes=[theme], state=State.PENDING
    )
    decisions.decide(pending, moderator=moderator, action="request_changes", message="A date?")
    draft = make_initiative(
        "Tool library", places=[places["bath"]], themes=[solar], state=State.DRAFT
    )
    ProposedPlace.objects.create(
        initiative=draft, name="Oldfield Park", within=places["bath"], proposed_by=resident
    )
    ProposedOrganisation.objects.create(
        initiative=draft, name="Oldfield Residents", role="partner", proposed_by=resident
    )
    twin = make_initiative("Solar farm (again)", places=[places["bath"]], themes=[theme])
    decisions.merge_duplicate(twin, into=farm, moderator=moderator, note="Same farm")

    revision = InitiativeRevision.objects.create(
        initiative=farm, proposed_by=resident, data={"title": "Lawrence Weston Solar"}
    )
    add_photo(RevisionImage(revision=revision, alt_text="The opening day"))
    report_create(initiative=farm, reason="wrong", details="It opened in 2023.", email="r@x.test")
    collection_save(user=curator, title="Power to the people", initiatives=[farm])
    alert_confirm(alert_request(email="follower@example.org", place=places["bristol"]).token)
    alert_request(email="follower@example.org", theme=theme)
    mark_undeliverable("bounced@example.org", reason="550 No such user")
    # An email still waiting for the mail server, and a job's last run.
    OutgoingEmail.objects.create(
        to=["follower@example.org"], subject="New in Bristol", body="...", attempts=2
    )
    ScheduledRun.objects.create(job="alert-digests", slot=farm.created_at, task_id="t-1")
    resident.user_permissions.add(Permission.objects.get(codename="view_report"))
    EmailConfirmation.create(
        EmailAddress.objects.create(user=resident, email=resident.email, primary=True)
    )
    LogEntry.objects.create(
        user=curator,
        content_type=ContentType.objects.get_for_model(Initiative),
        object_id=str(farm.pk),
        object_repr=str(farm),
        action_flag=CHANGE,
        change_message="[]",
    )
    files = [organisation.logo, *photo.files(), *RevisionImage.objects.get().files()]
    return {"farm": farm, "organisation": organisation, "photo": photo, "files": files}


def add_photo(photo):
    """Store a photo as the submission form stores one."""
    upload = SimpleUploadedFile("photo.jpg", jpeg_bytes(size=(900, 600)), "image/jpeg")
    photos.attach(photo, photos.process(upload))
    photo.save()
    return photo


def natural(model, pk):
    if pk is None:
        return None
    return model.objects.get(pk=pk).natural_key()


def everything():
    """Every row of every table, as stored, ids and all; content types and
    permissions, whose ids are each database's own, by natural key. Not the
    search vectors, which are computed again (the search pages are compared)."""
    by_natural_key = (ContentType, Permission)
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if label in backup.NOT_EXPORTED:
            continue
        rows = list(model._base_manager.order_by("pk").values())
        for row in rows:
            for name in backup.DERIVED_FIELDS.get(label, []):
                del row[name]
            for field in model._meta.local_fields:
                if field.related_model in by_natural_key:
                    row[field.attname] = natural(field.related_model, row[field.attname])
        if model in by_natural_key:
            rows = sorted((natural(model, row.pop("id")), row) for row in rows)
        tables[label] = rows
    return tables


def counts():
    """What the public pages count, as kept."""
    return (
        set(Tally.objects.filter(n__gt=0).values_list("place_path", "theme_id", "status", "n")),
        set(MapCell.objects.filter(n__gt=0).values_list("level", "y", "x", "n")),
        set(TallyMark.objects.values_list("initiative_id", "signature")),
    )


def empty_the_database():
    """Leave the database as `migrate` leaves a new one: no rows but the
    content types, the permissions and the staff groups."""
    # PostgreSQL truncates no table with checks still pending in the transaction.
    connection.check_constraints()
    call_command("flush", interactive=False, verbosity=0)
    # In another order than in the database the backup came from.
    Group.objects.create(name="Curators")
    Group.objects.create(name="Moderators").permissions.add(
        Permission.objects.get(codename="moderate_initiative")
    )


def export(path, *options):
    call_command("export_all", str(path), *options, verbosity=0)
    return path


def rewrite(source: Path, target: Path, added=None, **changes) -> Path:
    """A copy of the backup `source` with some of its members changed, and
    members `added` ({name: content})."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            content = old.read(name)
            if name in changes:
                content = changes[name](content)
            new.writestr(name, content)
        for name, content in (added or {}).items():
            new.writestr(name, content)
    return target


def test_a_restore_into_an_empty_database_gives_back_every_row_with_its_id(world, tmp_path):
    before = everything()
    assert [label for label, rows in before.items() if not rows] == []
    tally_before = counts()
    path = export(tmp_path / "site.zip")
    empty_the_database()
    assert everything() != before

    call_command("import_all", str(path), verbosity=0)

    after = everything()
    assert after.keys() == before.keys()
    for label in before:
        assert after[label] == before[label], label
    assert counts() == tally_before


def test_the_backup_holds_the_history_and_the_moderation_trail(world, tmp_path):
    """A spot check of what the comparison of every table covers."""
    path = export(tmp_path / "site.zip")
    empty_the_database()
    call_command("import_all", str(path), verbosity=0)

    farm = Initiative.objects.get(pk=world["farm"].pk)
    assert farm.title == "Lawrence Weston solar farm"
    renamed = farm.history.filter(title="Lawrence Weston solar farm").earliest("history_date")
    assert renamed.prev_record.title == "Community solar farm"
    assert renamed.history_user.email == "moderator@example.org"
    assert farm.merged_duplicates.get().moderation_state == State.ARCHIVED
    assert ModerationDecision.objects.get(message="A date?").to_state == State.CHANGES_REQUESTED
    assert farm.merged_duplicates.get().decisions.get().internal_note == "Same farm"
    assert Membership.objects.get().state == Membership.State.APPROVED
    assert Group.objects.get(name="Moderators").user_set.get().email == "moderator@example.org"
    assert farm.initiative_places.get(is_primary=True).place.parent.slug == "bristol"


def test_the_photos_come_back_from_a_backup_that_includes_them(world, tmp_path):
    files = {f.name: f.read() for f in world["files"]}
    path = export(tmp_path / "site.zip", "--with-media")
    empty_the_database()
    # On a new machine: no media yet.
    for name in files:
        default_storage.delete(name)

    call_command("import_all", str(path), verbosity=0)

    photo, edit = InitiativeImage.objects.get(), RevisionImage.objects.get()
    names = [f.name for f in [*photo.files(), *edit.files(), photo.initiative.on_behalf_of.logo]]
    assert sorted(names) == sorted(files)
    for name, content in files.items():
        with default_storage.open(name) as stored:
            assert stored.read() == content


def test_a_backup_with_media_says_which_files_were_missing(world, tmp_path, capsys):
    logo = world["organisation"].logo.name
    default_storage.delete(logo)

    call_command("export_all", str(tmp_path / "site.zip"), "--with-media")

    assert f"1 stored file(s) named by rows are missing and were not included: {logo}" in (
        capsys.readouterr().err
    )
    with zipfile.ZipFile(tmp_path / "site.zip") as archive:
        assert json.loads(archive.read("manifest.json"))["media"]["missing"] == [logo]
        assert f"media/{world['photo'].image.name}" in archive.namelist()


def test_a_backup_without_media_names_every_file_the_rows_need(world, tmp_path):
    path = export(tmp_path / "site.zip")

    with zipfile.ZipFile(path) as archive:
        listed = [json.loads(line) for line in archive.read("media.jsonl").splitlines()]
        assert not [name for name in archive.namelist() if name.startswith("media/")]
    assert {(r["model"], r["pk"], r["field"], r["name"]) for r in listed} == {
        (f.instance._meta.label_lower, f.instance.pk, f.field.name, f.name) for f in world["files"]
    }
    # Restored where the files are kept (a copy of MEDIA_ROOT, a bucket), the rows find them.
    empty_the_database()
    call_command("import_all", str(path), verbosity=0)
    assert all(default_storage.exists(r["name"]) for r in listed)


def test_the_public_pages_show_the_same_after_a_restore(
    world, places, theme, tmp_path, client, settings
):
    settings.PAGE_CACHE = False
    pages = [
        reverse("initiatives:home"),
        reverse("initiatives:list"),
        reverse("initiatives:list") + "?status=active",
        reverse("initiatives:list") + "?q=solar",
        reverse("initiatives:place-index"),
        reverse("initiatives:place-detail", args=["bristol"]),
        reverse("initiatives:theme-index"),
        reverse("initiatives:theme-detail", args=[theme.slug]),
        reverse("initiatives:organisation-index"),
        reverse("initiatives:detail", args=[world["farm"].slug]),
        reverse("initiatives:geojson"),
    ]

    def read():
        shown = {}
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
            # Tokens that differ on every request, and the time a form was shown.
            shown[url] = re.sub(
                r'nonce="[^"]*"|name="(csrfmiddlewaretoken|form_started)" value="[^"]*"',
                "",
                response.content.decode(),
            )
        return shown

    before = read()
    found = before[reverse("initiatives:list") + "?q=solar"]
    assert f'href="{world["farm"].get_absolute_url()}"' in found
    path = export(tmp_path / "site.zip")
    empty_the_database()
    call_command("import_all", str(path), verbosity=0)

    assert read() == before


def test_new_rows_after_a_restore_get_ids_of_their_own(world, places, theme, resident, tmp_path):
    highest = Initiative.objects.aggregate(Max("pk"))["pk__max"]
    path = export(tmp_path / "site.zip")
    empty_the_database()
    call_command("import_all", str(path), verbosity=0)

    # Its place and theme links, organisation link and history rows are new rows too.
    new = make_initiative(
        "Community fridge",
        places=[places["bristol"]],
        themes=[theme],
        organisations=[(world["organisation"], "partner")],
    )
    assert new.pk > highest
    new.title = "Community fridge and pantry"
    new.save()
    assert new.history.count() == 2
    report_create(initiative=new, reason="other", details="", email="")


def test_the_manifest_says_what_the_backup_holds(world, tmp_path):
    path = export(tmp_path / "site.zip")

    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        lines = archive.read("data.jsonl").decode().splitlines()
    assert manifest["format"] == backup.FORMAT
    assert manifest["format_version"] == backup.FORMAT_VERSION
    assert manifest["created_at"]
    assert "0012_public_counts" in manifest["migrations"]["initiatives"]
    assert manifest["counts"]["initiatives.initiative"] == Initiative.objects.count() == 4
    assert manifest["counts"]["initiatives.historicalinitiative"] > 4
    assert manifest["counts"]["accounts.user"] == 3
    assert manifest["data"]["rows"] == len(lines) == sum(manifest["counts"].values())
    # What is counted again after a restore is not in the file.
    held = {json.loads(line)["model"] for line in lines}
    assert not held & {"sessions.session", "initiatives.tally", "initiatives.mapcell"}
    assert all(
        "search_vector" not in json.loads(line)["fields"]
        for line in lines
        if json.loads(line)["model"] == "initiatives.initiative"
    )


def test_a_dry_run_checks_the_backup_and_keeps_nothing(world, tmp_path, capsys):
    path = export(tmp_path / "site.zip")
    empty_the_database()

    call_command("import_all", str(path), "--dry-run")

    assert "rolled back" in capsys.readouterr().out
    assert not Initiative.objects.exists()
    assert not Group.objects.filter(user__isnull=False).exists()


# Refusals: a clear message, and nothing written.


def assert_refused(path, message):
    before = everything()
    with pytest.raises(CommandError, match=message) as refused:
        call_command("import_all", str(path), verbosity=0)
    assert "Nothing was written" in str(refused.value)
    assert everything() == before


def test_a_restore_into_a_database_that_holds_data_is_refused(world, tmp_path):
    path = export(tmp_path / "site.zip")

    assert_refused(path, r"already holds data: .*accounts\.user \(3\)")


def test_a_backup_of_another_format_version_is_refused(world, tmp_path):
    def newer(content):
        return json.dumps(json.loads(content) | {"format_version": 99}).encode()

    path = rewrite(
        export(tmp_path / "site.zip"), tmp_path / "newer.zip", **{"manifest.json": newer}
    )
    empty_the_database()

    assert_refused(path, "format version 99; this version of the site reads format version 1")


def test_a_backup_from_another_database_schema_is_refused(world, tmp_path):
    def later(content):
        manifest = json.loads(content)
        manifest["migrations"]["initiatives"].append("0099_something_new")
        return json.dumps(manifest).encode()

    path = rewrite(
        export(tmp_path / "site.zip"), tmp_path / "later.zip", **{"manifest.json": later}
    )
    empty_the_database()

    assert_refused(path, "initiatives: this database lacks 0099_something_new")


def test_a_backup_cut_short_is_refused(world, tmp_path):
    whole = export(tmp_path / "site.zip").read_bytes()
    path = tmp_path / "cut.zip"
    path.write_bytes(whole[: len(whole) // 2])
    empty_the_database()

    assert_refused(path, "not a complete backup made by export_all")


def test_a_damaged_backup_is_refused_and_what_was_read_of_it_is_rolled_back(world, tmp_path):
    def damaged(content):
        lines = content.splitlines(keepends=True)
        return b"".join(lines[:-1]) + lines[-1][:20]

    path = rewrite(
        export(tmp_path / "site.zip"), tmp_path / "damaged.zip", **{"data.jsonl": damaged}
    )
    empty_the_database()

    assert_refused(path, r"damaged: line \d+ of data.jsonl")


def test_a_backup_whose_rows_differ_from_its_manifest_is_refused(world, tmp_path):
    def one_row_less(content):
        return b"".join(content.splitlines(keepends=True)[:-1])

    path = rewrite(
        export(tmp_path / "site.zip"), tmp_path / "less.zip", **{"data.jsonl": one_row_less}
    )
    empty_the_database()

    assert_refused(path, "damaged: data.jsonl is not what the manifest says")


def test_a_file_that_is_not_a_backup_is_refused(tmp_path, db):
    path = tmp_path / "notes.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "Hello")

    assert_refused(path, "holds no manifest.json: it is not a backup made by export_all")


def test_a_backup_whose_files_cannot_all_be_stored_leaves_none_behind(world, tmp_path):
    names = [f.name for f in world["files"]]
    outside = {"name": "../outside.jpg", "model": "initiatives.initiativeimage", "pk": 1}

    def escaping(content):
        return content + json.dumps(outside | {"field": "image"}).encode() + b"\n"

    path = rewrite(
        export(tmp_path / "site.zip", "--with-media"),
        tmp_path / "escaping.zip",
        added={"media/../outside.jpg": b"not a photo"},
        **{"media.jsonl": escaping},
    )
    empty_the_database()
    for name in names:
        default_storage.delete(name)

    assert_refused(path, r"media files cannot be restored")
    assert not any(default_storage.exists(name) for name in names)
    assert not (Path(default_storage.location).parent / "outside.jpg").exists()

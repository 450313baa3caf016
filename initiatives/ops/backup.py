"""Everything the site holds in one file, and back: export_all and import_all.

A backup is a zip file:

- `manifest.json`: the format and its version, when it was made, the
  migrations applied to each app, and how many rows of each table it holds;
- `data.jsonl`: every row of every table, one JSON object a line, as Django
  serialises a row (`{"model": ..., "pk": ..., "fields": {...}}`), table
  after table, each table in order of id. Many-to-many links are rows of
  their own tables, with their ids. Times keep their microseconds;
- `media.jsonl`: each stored file that a row names (photos, logos), one a
  line: the file's name and the row and field that name it;
- `media/<name>`: the files themselves, with `export_all --with-media`.

Content types and permissions have ids of the database's own, made by
`migrate`: they, and every reference to them, go by natural key
(`["initiatives", "initiative"]`). Everything else keeps its id, so that
links, history rows, URLs with ids and the ids other systems hold all stay
true.

What is left out, and why, is NOT_EXPORTED; the search vectors and the
public counts are computed again after a restore. The format is streamed
both ways, a chunk of rows at a time, so that memory stays the same whatever
the number of initiatives. docs/backups.md says when to use this rather than
pg_dump.
"""

import datetime
import hashlib
import json
import os
import shutil
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path

import django
from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.python import Serializer as PythonSerializer
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "community-power-map-backup"


# Bump when a file of the new format could not be read by the code of the
# old one, or the reverse, and teach import_all to read both if it can.
FORMAT_VERSION = 1


MANIFEST, DATA, MEDIA_LIST, MEDIA_DIR = "manifest.json", "data.jsonl", "media.jsonl", "media/"


CHUNK = 2000


NOT_EXPORTED = {
    "sessions.session": "sign-ins; everyone signs in again after a restore",
    "communities.postcode": "open data (the ONS Postcode Directory), imported again from "
    "its file with manage.py import_postcodes",
    "initiatives.tally": "counted again from the initiatives after a restore",
    "initiatives.mapcell": "counted again from the initiatives after a restore",
    "initiatives.tallymark": "counted again from the initiatives after a restore",
    "django_tasks_database.dbtaskresult": "the queue; the outbox sweeper queues every unsent "
    "email again after a restore, and scheduled jobs run at their next slot",
}


# Columns computed from others (search.refresh_search_vectors), written
# again after a restore: a dump from SQLite has none to give.
DERIVED_FIELDS = {"initiatives.initiative": ["search_vector"]}


# Rows `migrate` itself writes, with ids of the database's own: matched by
# natural key, added where missing.
BY_NATURAL_KEY = ("contenttypes.contenttype", "auth.permission")


# Rows the migrations write (the staff role groups and their permissions):
# the backup's own replace them, with the backup's ids.
REPLACED = ("auth.group", "auth.group_permissions")


class BackupError(Exception):
    """The file cannot be restored here; nothing was written."""


def exported_models() -> list[type[models.Model]]:
    """Every table that is backed up, each after the tables it refers to
    (where references go round, in the app registry's order): content types
    and permissions first, as other rows name them by natural key."""
    chosen = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.label_lower not in NOT_EXPORTED
    ]
    ordered, seen = [], set()

    def visit(model, path=()):
        if model in seen or model in path:
            return
        for field in model._meta.local_fields:
            target = field.related_model
            if (field.many_to_one or field.one_to_one) and target in chosen and target is not model:
                visit(target, (*path, model))
        seen.add(model)
        ordered.append(model)

    for label in BY_NATURAL_KEY:
        visit(apps.get_model(label))
    for model in chosen:
        visit(model)
    return ordered


def migration_state(using: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    """{app label: the names of its applied migrations}."""
    state: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connections[using]).applied_migrations()):
        state.setdefault(app, []).append(name)
    return state


class _Encoder(DjangoJSONEncoder):
    # DjangoJSONEncoder rounds times to the millisecond; a backup keeps them whole.
    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class _RowSerializer(PythonSerializer):
    """Django's serialisation of each row, written as one JSON line as soon as
    it is made. Many-to-many fields are left out: their link tables are
    backed up as tables of their own, in one query rather than one a row."""

    def start_serialization(self):
        self._current = None
        self.rows = 0

    def end_object(self, obj):
        self.stream.write(json.dumps(self.get_dump_object(obj), cls=_Encoder) + "\n")
        self._current = None
        self.rows += 1

    def handle_fk_field(self, obj, field):
        self.use_natural_foreign_keys = field.related_model._meta.label_lower in BY_NATURAL_KEY
        super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj, field):
        pass

    def getvalue(self):
        return self.rows


class _HashingWriter:
    """Text in, UTF-8 out to a zip member, with the bytes' SHA-256."""

    def __init__(self, target):
        self.target, self.sha256 = target, hashlib.sha256()

    def write(self, text: str) -> None:
        data = text.encode()
        self.sha256.update(data)
        self.target.write(data)


@contextmanager
def _snapshot(using):
    """One transaction for the whole export, so that every table is read as
    it was at one moment. On PostgreSQL a repeatable-read, read-only one: the
    site keeps working meanwhile. (On SQLite, writes wait for the export to
    end. Inside a transaction already, as in tests, it is that one.)"""
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _file_fields(model) -> list[models.FileField]:
    return [f for f in model._meta.local_fields if isinstance(f, models.FileField)]


def _media_references(using):
    """Each stored file a row names: {"name", "model", "pk", "field"}."""
    for model in exported_models():
        fields = _file_fields(model)
        if not fields:
            continue
        rows = model._base_manager.using(using).order_by("pk")
        for pk, *names in rows.values_list("pk", *[f.attname for f in fields]).iterator(
            chunk_size=CHUNK
        ):
            for field, name in zip(fields, names, strict=True):
                if name:
                    yield {
                        "name": name,
                        "model": model._meta.label_lower,
                        "pk": pk,
                        "field": field.name,
                    }


def _copy_file(archive, storage, name) -> bool:
    """Add a stored file to the archive (once); False when it is missing."""
    member = MEDIA_DIR + name
    try:
        archive.getinfo(member)
        return True
    except KeyError:
        pass
    try:
        source = storage.open(name, "rb")
    except (FileNotFoundError, OSError):
        return False
    info = zipfile.ZipInfo(member, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_STORED  # photos are compressed already
    with source, archive.open(info, "w") as target:
        shutil.copyfileobj(source, target, 1024 * 1024)
    return True


def export(path, *, with_media: bool = False, using: str = DEFAULT_DB_ALIAS, log=None) -> dict:
    """Write everything to a zip file at `path`, which appears only once
    complete; return the manifest."""
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive, _snapshot(using):
            manifest = _write(archive, with_media=with_media, using=using, log=log)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


def _write(archive, *, with_media, using, log) -> dict:
    log = log or (lambda message: None)
    counts = {}
    with archive.open(DATA, "w", force_zip64=True) as member:
        data = _HashingWriter(member)
        for model in exported_models():
            label = model._meta.label_lower
            derived = DERIVED_FIELDS.get(label, [])
            rows = model._base_manager.using(using).order_by("pk").defer(*derived)
            serializer = _RowSerializer()
            serializer.serialize(
                rows.iterator(chunk_size=CHUNK),
                stream=data,
                fields=[f.name for f in model._meta.local_fields if f.name not in derived]
                if derived
                else None,
                use_natural_primary_keys=label in BY_NATURAL_KEY,
            )
            counts[label] = serializer.rows
            log(f"{label}: {serializer.rows}")

    references = 0
    with archive.open(MEDIA_LIST, "w", force_zip64=True) as member:
        for reference in _media_references(using):
            references += 1
            member.write((json.dumps(reference) + "\n").encode())
    # Another pass: a zip file takes one member at a time.
    included, missing = 0, []
    if with_media:
        for reference in _media_references(using):
            storage = apps.get_model(reference["model"])._meta.get_field(reference["field"]).storage
            if _copy_file(archive, storage, reference["name"]):
                included += 1
            else:
                missing.append(reference["name"])

    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "django_version": django.get_version(),
        "database_vendor": connections[using].vendor,
        "migrations": migration_state(using),
        "counts": counts,
        "data": {"name": DATA, "rows": sum(counts.values()), "sha256": data.sha256.hexdigest()},
        "media": {
            "references": references,
            "included": with_media,
            "files": included,
            "missing": missing,
        },
        "not_exported": NOT_EXPORTED,
        "derived_fields": DERIVED_FIELDS,
    }
    archive.writestr(MANIFEST, json.dumps(manifest, indent=2) + "\n")
    return manifest

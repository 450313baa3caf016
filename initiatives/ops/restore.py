"""Restoring a backup that initiatives.ops.backup wrote: all or nothing, into an
empty database of the same version, then the derived data counted again."""

import hashlib
import json
import zipfile
from collections import Counter

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.utils import validate_file_name
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.python import Deserializer as PythonDeserializer
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.models.signals import post_save, pre_save

from initiatives.browse import tallies
from initiatives.catalogue.search import refresh_search_vectors
from initiatives.ops import caching
from initiatives.ops.backup import (
    BY_NATURAL_KEY,
    CHUNK,
    DATA,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MEDIA_DIR,
    MEDIA_LIST,
    REPLACED,
    BackupError,
    exported_models,
    migration_state,
)


def read_manifest(archive: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise BackupError(
            f"It holds no {MANIFEST}: it is not a backup made by export_all."
        ) from None
    except (ValueError, zipfile.BadZipFile) as error:
        raise BackupError(f"Its {MANIFEST} is damaged ({error}).") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"Its {MANIFEST} is not that of a backup made by export_all.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"It is in format version {manifest.get('format_version')}; this version of the "
            f"site reads format version {FORMAT_VERSION}. Restore it with the version of the "
            "site that made it."
        )
    return manifest


def _check_migrations(manifest: dict, using: str) -> None:
    made, here = manifest.get("migrations") or {}, migration_state(using)
    differences = []
    for app in sorted(set(made) | set(here)):
        only_made = sorted(set(made.get(app, [])) - set(here.get(app, [])))
        only_here = sorted(set(here.get(app, [])) - set(made.get(app, [])))
        if only_made:
            differences.append(f"{app}: this database lacks {', '.join(only_made)}")
        if only_here:
            differences.append(f"{app}: the backup predates {', '.join(only_here)}")
    if differences:
        raise BackupError(
            "It was made from a database whose tables differ from this one's ("
            + "; ".join(differences)
            + "). Restore it with the version of the site that made it, into a database "
            "migrated by that version; then update the site and migrate."
        )


def _check_empty(using: str) -> None:
    skipped = {*BY_NATURAL_KEY, *REPLACED}
    held = [
        f"{model._meta.label_lower} ({model._base_manager.using(using).count()})"
        for model in exported_models()
        if model._meta.label_lower not in skipped and model._base_manager.using(using).exists()
    ]
    if held:
        raise BackupError(
            "The database already holds data: "
            + ", ".join(held)
            + ". import_all restores only into an empty database: create a new one and run "
            "migrate, then import."
        )


class _Lines:
    """The rows of data.jsonl as Python objects, one at a time; with the
    SHA-256 of what was read, and the line reached, for an error message."""

    def __init__(self, member):
        self.member, self.sha256, self.line = member, hashlib.sha256(), 0

    def __iter__(self):
        for raw in self.member:
            self.line += 1
            self.sha256.update(raw)
            yield json.loads(raw)


def _insert(model, objects: list, using: str) -> None:
    """Save rows of one table as loaddata saves each (DeserializedObject.save:
    raw, so that no auto_now time or file is touched, and with the same
    signals, which know a raw save), but in one INSERT a batch: a restore of
    100,000 initiatives takes minutes rather than most of an hour."""
    connection = connections[using]
    fields = model._meta.local_concrete_fields
    size = max(1, min(CHUNK, connection.ops.bulk_batch_size(fields, objects)))
    for obj in objects:
        pre_save.send(sender=model, instance=obj, raw=True, using=using, update_fields=None)
    for start in range(0, len(objects), size):
        # What Model.save_base() calls, for a batch of rows rather than one.
        model._base_manager._insert(objects[start : start + size], fields, raw=True, using=using)
    for obj in objects:
        obj._state.adding, obj._state.db = False, using
        post_save.send(
            sender=model, instance=obj, created=True, raw=True, using=using, update_fields=None
        )


def _load(archive: zipfile.ZipFile, manifest: dict, using: str, log) -> Counter:
    counts: Counter = Counter()
    lines, batch = None, []
    try:
        with archive.open(DATA) as member:
            lines = _Lines(member)
            for row in PythonDeserializer(lines, using=using):
                model = type(row.object)
                if batch and (type(batch[0]) is not model or len(batch) == CHUNK):
                    _insert(type(batch[0]), batch, using)
                    batch = []
                label = model._meta.label_lower
                if label in BY_NATURAL_KEY:
                    # It may be in the database already (migrate made it): updated, or added.
                    row.save(using=using)
                else:
                    batch.append(row.object)
                if label not in counts:
                    log(f"{label}…")
                counts[label] += 1
            if batch:
                _insert(type(batch[0]), batch, using)
    except KeyError as error:
        raise BackupError(
            f"It holds no {DATA}, or a row in it lacks {error}: it is damaged."
        ) from error
    except DatabaseError as error:
        # Rows are saved a batch at a time: the row the database refused may
        # be one of the batch before.
        raise BackupError(
            f"It is damaged: a row up to line {lines.line} of {DATA} cannot be restored ({error})."
        ) from error
    except (
        ValueError,
        TypeError,
        DeserializationError,
        LookupError,
        zipfile.BadZipFile,
        EOFError,
    ) as error:
        line = lines.line if lines else 0
        raise BackupError(
            f"It is damaged: line {line} of {DATA} cannot be restored ({error})."
        ) from error
    if lines.sha256.hexdigest() != manifest.get("data", {}).get("sha256"):
        raise BackupError(f"It is damaged: {DATA} is not what the manifest says was written.")
    expected = {label: n for label, n in (manifest.get("counts") or {}).items() if n}
    if dict(counts) != expected:
        raise BackupError(
            f"It is damaged: {DATA} does not hold the rows the manifest counts "
            f"({sum(counts.values())} of {sum(expected.values())})."
        )
    return counts


def _restore_media(archive: zipfile.ZipFile, written: list) -> tuple[int, int]:
    """Store the backup's files where the rows look for them; a file already
    there (media kept elsewhere, or named twice) is left as it is."""
    names = set(archive.namelist())
    restored = present = 0
    with archive.open(MEDIA_LIST) as member:
        for raw in member:
            reference = json.loads(raw)
            name = reference["name"]
            if MEDIA_DIR + name not in names:
                continue
            validate_file_name(name, allow_relative_path=True)
            field = apps.get_model(reference["model"])._meta.get_field(reference["field"])
            if field.storage.exists(name):
                present += 1
                continue
            with archive.open(MEDIA_DIR + name) as content:
                stored = field.storage.save(name, content)
            written.append((field.storage, stored))
            if stored != name:
                raise BackupError(f"The file {name} could not be stored under its own name.")
            restored += 1
    return restored, present


def _rebuild_derived(log) -> None:
    log("Computing the search vectors…")
    refresh_search_vectors()
    log("Counting the public counts again…")
    tallies.rebuild()
    caching.public_changed()


def restore(path, *, using: str = DEFAULT_DB_ALIAS, dry_run: bool = False, log=None) -> dict:
    """Restore the backup at `path` into this empty database, in one
    transaction: everything or, on any error, nothing (its files included).
    Return the manifest with what was restored."""
    log = log or (lambda message: None)
    connection = connections[using]
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise BackupError(f"There is no file {path}.") from None
    except (zipfile.BadZipFile, OSError) as error:
        raise BackupError(
            f"It is not a complete backup made by export_all: {error} (a file cut short, or "
            "another kind of file)."
        ) from error
    written: list = []
    with archive:
        manifest = read_manifest(archive)
        _check_migrations(manifest, using)
        media = manifest.get("media") or {}
        try:
            with transaction.atomic(using=using):
                _check_empty(using)
                for label in REPLACED:
                    apps.get_model(label)._base_manager.using(using).all().delete()
                counts = _load(archive, manifest, using, log)
                log("Checking that every row's references are there…")
                try:
                    connection.check_constraints()
                except DatabaseError as error:
                    raise BackupError(
                        f"It is damaged: its rows do not fit together ({error})."
                    ) from error
                # New rows get ids after the restored ones. (Sequences are
                # not transactional: a dry run leaves them alone.)
                if not dry_run:
                    with connection.cursor() as cursor:
                        for sql in connection.ops.sequence_reset_sql(no_style(), exported_models()):
                            cursor.execute(sql)
                ContentType.objects.clear_cache()
                _rebuild_derived(log)
                restored = present = 0
                if media.get("included") and not dry_run:
                    log("Storing the media files…")
                    try:
                        restored, present = _restore_media(archive, written)
                    except (
                        SuspiciousFileOperation,
                        LookupError,
                        ValueError,
                        zipfile.BadZipFile,
                    ) as error:
                        raise BackupError(
                            f"Its media files cannot be restored ({error})."
                        ) from error
                if dry_run:
                    transaction.set_rollback(True, using=using)
        except BaseException:
            for storage, name in written:
                storage.delete(name)
            raise
        finally:
            # It may hold content types that were rolled back.
            ContentType.objects.clear_cache()
    return manifest | {
        "restored": {"rows": sum(counts.values()), "files": restored, "files_present": present}
    }

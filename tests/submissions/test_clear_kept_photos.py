"""Photos kept for a form that was never sent again are removed after a day."""

import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from initiatives.catalogue.photos import KEPT_DIR


def kept(name, hours_old):
    stored = default_storage.save(f"{KEPT_DIR}/{name}", ContentFile(b"x"))
    then = time.time() - hours_old * 3600
    os.utime(default_storage.path(stored), (then, then))
    return stored


@pytest.mark.parametrize("dry_run", [False, True])
def test_kept_photos_older_than_a_day_are_removed_and_newer_ones_stay(dry_run, capsys):
    old, new = kept("old.jpg", 30), kept("new.jpg", 2)
    call_command("clear_kept_photos", dry_run=dry_run)
    assert default_storage.exists(old) is dry_run
    assert default_storage.exists(new)
    assert "1 kept photo" in capsys.readouterr().out


def test_nothing_to_clear_is_fine(capsys):
    call_command("clear_kept_photos")
    assert "0 kept photo" in capsys.readouterr().out

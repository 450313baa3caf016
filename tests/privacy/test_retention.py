"""Every table holding personal data has a retention period on the privacy
page, enforced by the nightly job, and joins the account export and deletion.
A new model with a person in it fails here until it is given its place."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import models
from django.utils import timezone

from accounts.models import OutgoingEmail, UndeliverableAddress
from initiatives.models import Alert, Report
from initiatives.ops import schedule
from initiatives.privacy import services
from initiatives.privacy.retention import BY_LABEL, RETENTION, period
from tests.factories import make_initiative
from tests.submission_forms import verified_user

pytestmark = pytest.mark.django_db

# Models that name a person (a link to an account, an email address) but
# hold no one's personal data; each says why.
EXEMPT = {
    # An organisation's public contact address, published in the directory.
    "communities.Organisation",
}
# Personal data a field's type does not reveal.
ALSO_PERSONAL = {
    "sessions.Session",  # the signed-in account's id, inside its data
    "accounts.OutgoingEmail",  # the recipients, a JSON list
    "account.EmailConfirmation",  # through its email address
}


def names_a_person(model) -> bool:
    user = apps.get_model(settings.AUTH_USER_MODEL)
    for field in model._meta.get_fields():
        if not getattr(field, "concrete", False):
            continue
        if field.is_relation and field.related_model is user:
            return True
        if isinstance(field, (models.EmailField, models.GenericIPAddressField)):
            return True
    return False


def personal_models():
    return {
        m._meta.label
        for m in apps.get_models()
        if names_a_person(m) or m._meta.label in ALSO_PERSONAL
    } - EXEMPT


def test_every_model_holding_personal_data_has_a_retention_period():
    missing = personal_models() - set(BY_LABEL)
    assert missing == set(), (
        f"{sorted(missing)} hold personal data: give each a row in "
        "initiatives/privacy/retention.py (or a commented exemption here)"
    )


def test_the_table_names_only_real_models_and_each_says_where_it_is_exported():
    for kept in RETENTION:
        assert apps.get_model(kept.label) is kept.model
        assert kept.export or kept.not_exported, kept.label
        assert (kept.days is None) == (kept.expired is None), kept.label


def test_the_export_has_every_key_the_table_names(resident):
    data = services.account_data(resident)
    for kept in RETENTION:
        if kept.export:
            assert kept.export in data, kept.label


def test_deleting_an_account_leaves_no_row_naming_the_person(theme):
    """Links to the account go by cascade or SET_NULL; rows held under the
    person's address are found and removed."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    # The initiatives' history keeps its rows without database links; the
    # deletion clears their submitter itself (privacy/services.py).
    cleared_by_hand = {"initiatives.HistoricalInitiative"}
    links = [
        (kept.label, field)
        for kept in RETENTION
        if kept.label not in cleared_by_hand
        for field in kept.model._meta.get_fields()
        if getattr(field, "concrete", False) and field.related_model is user_model
    ]
    assert links
    for label, field in links:
        assert field.remote_field.on_delete in (models.CASCADE, models.SET_NULL), (
            f"{label}.{field.name}"
        )
    user = verified_user("leaving@example.org")
    Alert.objects.create(theme=theme, email="leaving@example.org")
    OutgoingEmail.objects.create(to=["leaving@example.org"], subject="Hello", body="Hi")
    OutgoingEmail.objects.create(to=["staying@example.org"], subject="Hello", body="Hi")
    UndeliverableAddress.objects.create(email="leaving@example.org")
    services.account_delete(user)
    assert not Alert.objects.filter(email="leaving@example.org").exists()
    assert [e.to for e in OutgoingEmail.objects.all()] == [["staying@example.org"]]
    assert not UndeliverableAddress.objects.exists()
    assert not user_model.objects.filter(email="leaving@example.org").exists()


def test_the_export_holds_what_is_kept_under_the_persons_address(theme):
    user = verified_user("me@example.org")
    Alert.objects.create(theme=theme, email="me@example.org")
    OutgoingEmail.objects.create(to=["ME@example.org"], subject="Your alert", body="Hi")
    OutgoingEmail.objects.create(to=["someone@example.org"], subject="Not mine", body="Hi")
    data = services.account_data(user)
    assert len(data["alerts"]) == 1
    assert [e["subject"] for e in data["emails_sent"]] == ["Your alert"]


def test_the_job_deletes_what_has_passed_its_period_and_keeps_the_rest(england, theme):
    now = timezone.now()
    old = now - timedelta(days=400)
    stale = Alert.objects.create(theme=theme, email="old@example.org")
    fresh = Alert.objects.create(theme=theme, email="new@example.org")
    confirmed = Alert.objects.create(theme=theme, email="kept@example.org", confirmed_at=old)
    Alert.objects.filter(pk__in=[stale.pk, confirmed.pk]).update(created_at=old)
    published = make_initiative("Solar", places=[england], themes=[theme])
    report = Report.objects.create(
        initiative=published, reason="other", email="r@example.org", decided_at=old
    )
    Session.objects.create(session_key="x" * 32, session_data="", expire_date=now - timedelta(1))
    never_confirmed = apps.get_model(settings.AUTH_USER_MODEL).objects.create_user("u@x.org")
    type(never_confirmed).objects.filter(pk=never_confirmed.pk).update(date_joined=old)
    verified = verified_user("v@example.org")
    type(verified).objects.filter(pk=verified.pk).update(date_joined=old)

    assert services.apply_retention(dry_run=True)["initiatives.Alert"] == 1
    assert Alert.objects.count() == 3  # a dry run deletes nothing
    done = services.apply_retention()
    assert set(Alert.objects.values_list("pk", flat=True)) == {fresh.pk, confirmed.pk}
    report.refresh_from_db()
    assert report.email == ""
    assert not Session.objects.exists()
    assert not type(verified).objects.filter(pk=never_confirmed.pk).exists()
    assert type(verified).objects.filter(pk=verified.pk).exists()
    assert done["initiatives.Alert"] == 1
    assert all(n == 0 for n in services.apply_retention().values())  # nothing more


def test_the_privacy_page_says_each_period_the_job_enforces(client):
    page = client.get("/privacy/").content.decode()
    for kept in RETENTION:
        text = period(kept).replace("'", "&#x27;").replace('"', "&quot;")
        assert text in page, kept.label
    assert "90 days after the report is decided" in page
    assert 'href="/privacy/"' in client.get("/").content.decode()


def test_the_job_is_scheduled_each_night():
    schedule.discover()
    assert "retention" in {job.name for job in schedule.jobs()}


def test_the_command_runs_the_job_and_a_dry_run_deletes_nothing(theme):
    Alert.objects.create(theme=theme, email="old@example.org")
    Alert.objects.update(created_at=timezone.now() - timedelta(days=40))
    call_command("apply_retention", "--dry-run")
    assert Alert.objects.count() == 1
    call_command("apply_retention")
    assert Alert.objects.count() == 0

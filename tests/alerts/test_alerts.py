"""Following a place (with everything under it) or a theme by email: anyone
asks, confirms from the email, gets a weekly digest of what was newly
published there, and unsubscribes in one click."""

import re
import threading
import time
from datetime import timedelta
from email import policy as email_policy
from smtplib import SMTPException
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import F
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from initiatives.abuse import form_started_token
from initiatives.alerts import services as alerts
from initiatives.models import Alert, Initiative
from tests.factories import make_initiative, make_theme

pytestmark = pytest.mark.django_db

READER = "reader@example.org"
FOLLOW_URL = reverse("initiatives:alert-follow")


@pytest.fixture
def bristol(places):
    return places["bristol"]


@pytest.fixture
def follow(client, django_capture_on_commit_callbacks):
    """Post the follow form as a person would (shown 10 seconds before),
    sending its emails as the request's transaction commits."""

    def post(seconds_ago=10, client=client, **fields):
        data = {
            "email": READER,
            "form_started": form_started_token(time.time() - seconds_ago),
            "fax_number": "",
            **fields,
        }
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(FOLLOW_URL, {k: v for k, v in data.items() if v is not None})

    return post


def confirmed_alert(email=READER, **subject):
    alert = alerts.alert_request(email=email, **subject)
    return alerts.alert_confirm(alert.token)


def time_passes(**delta):
    """Move everything that has happened so far `delta` into the past."""
    delta = timedelta(**delta)
    Alert.objects.update(
        created_at=F("created_at") - delta,
        confirmed_at=F("confirmed_at") - delta,
        sent_through=F("sent_through") - delta,
        last_sent_at=F("last_sent_at") - delta,
    )
    Initiative.objects.update(published_at=F("published_at") - delta)


def send_digests(**options):
    """The weekly run. Its emails leave the outbox once the run commits,
    which the test's transaction stands in for."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("send_alert_digests", verbosity=0, **options)


def link(email, name):
    """The path of the alert link named `name` ("confirm", "unsubscribe") in an email."""
    url = re.search(rf"https?://\S+/alerts/[0-9a-f-]+/{name}/", email.body).group()
    return urlsplit(url).path


def html_of(email):
    return email.alternatives[0].content


def titles_in(email):
    return {i.title for i in Initiative.objects.all() if i.title in email.body}


# The form on place and theme pages


def test_place_and_theme_pages_offer_to_follow_them_by_email(client, bristol, theme):
    for subject, field in ((bristol, "place"), (theme, "theme")):
        content = client.get(subject.get_absolute_url()).content.decode()
        assert f'action="{FOLLOW_URL}"' in content
        assert f'name="{field}" value="{subject.slug}"' in content
        assert 'type="email" name="email" id="follow-email"' in content
        assert '<label for="follow-email">' in content
        assert "Email me new initiatives weekly" in content
        assert "We use your address only for these emails" in content
        assert 'name="fax_number"' in content


def test_there_is_no_follow_page_to_open(client, bristol):
    response = client.get(FOLLOW_URL, {"place": bristol.slug})
    assert response.status_code == 302
    assert response.url == bristol.get_absolute_url()
    assert client.get(FOLLOW_URL).url == reverse("initiatives:place-index")


# Following and confirming


def test_following_a_place_emails_a_link_to_confirm_and_confirms_nothing(
    client, follow, bristol, mailoutbox
):
    response = follow(place=bristol.slug)
    assert response.status_code == 302
    assert response.url == f"{FOLLOW_URL}?sent=1&place={bristol.slug}"
    page = client.get(response.url).content.decode()
    assert "Check your email" in page
    assert "Bristol" in page

    alert = Alert.objects.get()
    assert (alert.email, alert.place, alert.theme) == (READER, bristol, None)
    assert alert.confirmed_at is None
    assert not Alert.objects.confirmed().exists()
    [email] = mailoutbox
    assert email.to == [READER]
    assert "Bristol" in email.subject
    confirm = reverse("initiatives:alert-confirm", args=[alert.token])
    assert link(email, "confirm") == confirm
    assert confirm in html_of(email)


def test_following_a_theme_works_the_same_way(follow, theme, mailoutbox):
    assert follow(theme=theme.slug).status_code == 302
    alert = Alert.objects.get()
    assert (alert.place, alert.theme, alert.confirmed_at) == (None, theme, None)
    assert "Community energy" in mailoutbox[0].subject


def test_opening_the_link_only_asks_and_the_button_confirms(client, follow, bristol, mailoutbox):
    follow(place=bristol.slug)
    url = link(mailoutbox[0], "confirm")

    page = client.get(url)  # What a mail scanner does.
    assert page.status_code == 200
    assert '<button type="submit">Confirm</button>' in page.content.decode()
    assert Alert.objects.get().confirmed_at is None

    response = client.post(url)
    assert response.status_code == 302
    alert = Alert.objects.get()
    assert alert.confirmed_at is not None
    assert alert.sent_through == alert.confirmed_at
    assert "Your email alert is on" in client.get(response.url).content.decode()


def test_confirming_twice_changes_nothing(client, bristol):
    alert = confirmed_alert(place=bristol)
    url = reverse("initiatives:alert-confirm", args=[alert.token])
    assert client.post(url).status_code == 302
    assert Alert.objects.get().confirmed_at == alert.confirmed_at
    assert "Your email alert is on" in client.get(url).content.decode()


def test_a_link_to_confirm_lasts_a_week(client, bristol):
    alert = alerts.alert_request(email=READER, place=bristol)
    time_passes(days=8)
    url = reverse("initiatives:alert-confirm", args=[alert.token])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert Alert.objects.get().confirmed_at is None


def test_asking_again_before_confirming_resends_the_same_link(follow, bristol, mailoutbox):
    follow(place=bristol.slug)
    follow(place=bristol.slug, email="Reader@Example.ORG")
    assert Alert.objects.count() == 1
    assert len(mailoutbox) == 2
    assert link(mailoutbox[0], "confirm") == link(mailoutbox[1], "confirm")


def test_the_answer_never_reveals_whether_an_address_already_follows(
    client, follow, bristol, mailoutbox
):
    stranger = follow(place=bristol.slug, email="someone@example.org")
    new = follow(place=bristol.slug)
    again = follow(place=bristol.slug)
    Alert.objects.filter(email=READER).update(confirmed_at=timezone.now())
    confirmed = follow(place=bristol.slug)

    answers = {(r.status_code, r.url) for r in (stranger, new, again, confirmed)}
    assert len(answers) == 1
    [(_, url)] = answers
    assert READER not in url and "someone" not in url
    # An address that already follows is sent nothing new.
    assert [m.to for m in mailoutbox] == [["someone@example.org"], [READER], [READER]]


def test_anyone_signed_in_or_not_may_follow(client, follow, resident, bristol):
    client.force_login(resident)
    assert follow(place=bristol.slug).status_code == 302
    assert Alert.objects.get().email == READER


# Input that is turned away


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not-an-address"}, "Enter an email address like name@example.org."),
        ({"email": ""}, "Enter your email address."),
        ({"place": "no-such-place"}, "We could not find that place"),
        ({"place": None, "theme": "no-such-theme"}, "We could not find that theme"),
        ({"theme": "community-energy"}, "Choose one place or one theme to follow"),
        ({"place": None}, "Choose one place or one theme to follow"),
    ],
    ids=["invalid-email", "no-email", "unknown-place", "unknown-theme", "both", "neither"],
)
def test_bad_input_is_explained_and_nothing_is_kept(
    follow, bristol, theme, mailoutbox, fields, message
):
    response = follow(**{"place": bristol.slug, **fields})
    assert response.status_code == 400
    content = response.content.decode()
    assert "There is a problem" in content
    assert message in content
    assert not Alert.objects.exists()
    assert not mailoutbox


def test_a_mistyped_address_is_shown_again_to_correct(follow, bristol):
    content = follow(place=bristol.slug, email="reader@").content.decode()
    assert 'href="#follow-email"' in content
    assert 'value="reader@"' in content
    assert 'aria-invalid="true"' in content
    assert f'name="place" value="{bristol.slug}"' in content


@pytest.mark.parametrize(
    "fields",
    [{"fax_number": "+44 117 000 0000"}, {"seconds_ago": 0}, {"form_started": "forged"}],
    ids=["honeypot", "too-fast", "no-time"],
)
def test_a_bot_is_turned_away_politely_and_nothing_is_sent(follow, bristol, mailoutbox, fields):
    response = follow(place=bristol.slug, **fields)
    assert response.status_code == 400
    assert "it looked like an automated submission" in response.content.decode()
    assert not Alert.objects.exists()
    assert not mailoutbox


def test_one_network_may_ask_ten_times_an_hour(follow, bristol, mailoutbox):
    for n in range(10):
        assert follow(place=bristol.slug, email=f"reader{n}@example.org").status_code == 302
    response = follow(place=bristol.slug)
    assert response.status_code == 429
    assert "at most 10 requests to follow" in response.content.decode()
    assert Alert.objects.count() == 10
    assert len(mailoutbox) == 10


def test_one_address_is_sent_at_most_five_confirmations_an_hour(follow, client, places, mailoutbox):
    for n, slug in enumerate(["england", "south-west", "bristol", "bath", "west-midlands"]):
        other = Client(REMOTE_ADDR=f"192.0.2.{n}")
        assert follow(place=slug, client=other).status_code == 302
    response = follow(place="lawrence-weston")
    assert response.status_code == 429
    assert "at most 5 confirmation emails an hour to one address" in response.content.decode()
    assert len(mailoutbox) == 5
    assert not Alert.objects.filter(place=places["lawrence-weston"]).exists()


def test_turned_away_posts_do_not_count_towards_the_limit(follow, bristol):
    for _ in range(11):
        follow(place=bristol.slug, seconds_ago=0)
    assert follow(place=bristol.slug).status_code == 302


# The digest


def test_the_digest_sends_what_was_published_in_the_place_or_under_it_since_confirming(
    places, theme, mailoutbox
):
    make_initiative("Published before", places=[places["lawrence-weston"]], themes=[theme])
    alert = confirmed_alert(place=places["bristol"])
    time_passes(days=1)
    make_initiative("In Bristol", places=[places["bristol"]], themes=[theme])
    make_initiative("In Lawrence Weston", places=[places["lawrence-weston"]], themes=[theme])
    make_initiative("In Bath", places=[places["bath"]], themes=[theme])
    make_initiative("In the South West as a whole", places=[places["south-west"]], themes=[theme])
    for state in ("draft", "pending", "rejected", "changes_requested"):
        make_initiative(
            f"{state} in Bristol", places=[places["bristol"]], themes=[theme], state=state
        )
    time_passes(days=7)

    send_digests()

    [email] = mailoutbox
    assert email.to == [READER]
    assert email.subject == "2 new initiatives in Bristol"
    assert titles_in(email) == {"In Bristol", "In Lawrence Weston"}
    alert.refresh_from_db()
    assert alert.last_sent_at is not None
    assert alert.sent_through > Initiative.objects.get(title="In Bristol").published_at


def test_the_digest_for_a_theme_includes_its_sub_themes(places, theme, mailoutbox):
    solar = make_theme("Solar", parent=theme)
    food = make_theme("Food")
    confirmed_alert(theme=theme)
    confirmed_alert(email="solar@example.org", theme=solar)
    time_passes(days=1)
    make_initiative("Energy co-op", places=[places["bath"]], themes=[theme])
    make_initiative("Solar roofs", places=[places["bristol"]], themes=[solar])
    make_initiative("Food bank", places=[places["bristol"]], themes=[food])
    time_passes(days=7)

    send_digests()

    by_address = {email.to[0]: email for email in mailoutbox}
    assert titles_in(by_address[READER]) == {"Energy co-op", "Solar roofs"}
    assert titles_in(by_address["solar@example.org"]) == {"Solar roofs"}


def test_running_the_command_twice_sends_nothing_the_second_time(places, theme, mailoutbox):
    confirmed_alert(place=places["bristol"])
    time_passes(days=1)
    make_initiative("In Bristol", places=[places["bristol"]], themes=[theme])
    time_passes(days=7)

    send_digests()
    send_digests()

    assert len(mailoutbox) == 1


def test_the_next_digest_sends_only_what_is_new_since_the_last(places, theme, mailoutbox):
    confirmed_alert(place=places["bristol"])
    time_passes(days=1)
    make_initiative("First week", places=[places["bristol"]], themes=[theme])
    time_passes(days=7)
    send_digests()
    make_initiative("Second week", places=[places["bristol"]], themes=[theme])
    time_passes(days=7)
    send_digests()

    assert [titles_in(email) for email in mailoutbox] == [{"First week"}, {"Second week"}]


def test_an_alert_with_nothing_new_gets_no_email(places, theme, mailoutbox):
    alert = confirmed_alert(place=places["bristol"])
    make_initiative("In Bath", places=[places["bath"]], themes=[theme])
    time_passes(days=7)
    send_digests()
    assert not mailoutbox
    alert.refresh_from_db()
    assert alert.last_sent_at is None


def test_unconfirmed_alerts_get_no_digest_and_are_deleted_after_a_week(places, theme, mailoutbox):
    alerts.alert_request(email="unconfirmed@example.org", place=places["bristol"])
    confirmed_alert(place=places["bristol"])
    time_passes(days=1)
    make_initiative("In Bristol", places=[places["bristol"]], themes=[theme])
    time_passes(days=7)

    send_digests()

    assert [email.to for email in mailoutbox] == [[READER]]
    assert list(Alert.objects.values_list("email", flat=True)) == [READER]


def test_what_was_published_in_the_last_minutes_waits_for_the_next_digest(
    places, theme, mailoutbox
):
    """A publication stamped just before the run may not be committed yet."""
    confirmed_alert(place=places["bristol"])
    time_passes(days=7)
    make_initiative("Just now", places=[places["bristol"]], themes=[theme])
    send_digests()
    assert not mailoutbox
    time_passes(minutes=10)
    send_digests()
    assert titles_in(mailoutbox[0]) == {"Just now"}


def test_a_failed_email_is_tried_again_next_run(places, theme, mailoutbox):
    failing = confirmed_alert(email="failing@example.org", place=places["bristol"])
    confirmed_alert(place=places["bristol"])
    time_passes(days=1)
    make_initiative("In Bristol", places=[places["bristol"]], themes=[theme])
    time_passes(days=7)
    before = Alert.objects.get(pk=failing.pk).sent_through

    def send(name, to, context, headers=None):
        if to == ["failing@example.org"]:
            raise SMTPException("The server said no.")
        return real_send(name, to, context, headers)

    real_send = alerts.send_templated
    with (
        mock.patch("initiatives.alerts.services.send_templated", side_effect=send),
        pytest.raises(CommandError, match="1 digest email"),
    ):
        send_digests()
    assert [email.to for email in mailoutbox] == [[READER]]  # The others still go.
    failing.refresh_from_db()
    assert (failing.sent_through, failing.last_sent_at) == (before, None)

    send_digests()
    assert [email.to for email in mailoutbox] == [[READER], ["failing@example.org"]]
    assert titles_in(mailoutbox[1]) == {"In Bristol"}


def test_a_digest_lists_twenty_and_links_to_the_rest(places, theme, mailoutbox):
    confirmed_alert(place=places["bristol"])
    time_passes(days=1)
    for n in range(22):
        make_initiative(f"Initiative {n:02}", places=[places["bristol"]], themes=[theme])
    time_passes(days=7)

    send_digests()

    [email] = mailoutbox
    assert email.subject == "22 new initiatives in Bristol"
    assert len(titles_in(email)) == 20
    list_url = f"http://127.0.0.1:8000{reverse('initiatives:list')}?place=bristol"
    assert "And 2 more" in email.body and list_url in email.body
    assert "And 2 more" in html_of(email) and list_url in html_of(email)


def test_every_email_has_the_unsubscribe_link(follow, client, places, theme, mailoutbox):
    follow(place="bristol")
    client.post(link(mailoutbox[0], "confirm"))
    time_passes(days=1)
    make_initiative("In Bristol", places=[places["bristol"]], themes=[theme])
    time_passes(days=7)
    send_digests()

    confirmation, digest = mailoutbox
    unsubscribe = reverse("initiatives:alert-unsubscribe", args=[Alert.objects.get().token])
    for email in (confirmation, digest):
        assert link(email, "unsubscribe") == unsubscribe
        assert unsubscribe in html_of(email)
    absolute = f"http://127.0.0.1:8000{unsubscribe}"
    assert digest.extra_headers["List-Unsubscribe"] == f"<{absolute}>"
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # On one line as it is, not folded into RFC 2047 encoded words that mail
    # programs do not decode in this header.
    raw = digest.message(policy=email_policy.SMTP).as_bytes()
    assert f"\r\nList-Unsubscribe: <{absolute}>\r\n".encode() in raw
    assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in raw


def test_a_dry_run_sends_and_changes_nothing(places, theme, mailoutbox, capsys):
    alerts.alert_request(email="unconfirmed@example.org", place=places["bristol"])
    alert = confirmed_alert(place=places["bristol"])
    time_passes(days=1)
    make_initiative("In Bristol", places=[places["bristol"]], themes=[theme])
    time_passes(days=7)

    call_command("send_alert_digests", "--dry-run")

    assert (
        "Would send 1 digest email(s) and delete 1 unconfirmed alert(s)." in capsys.readouterr().out
    )
    assert not mailoutbox
    assert Alert.objects.count() == 2
    assert Alert.objects.get(pk=alert.pk).sent_through == alert.sent_through - timedelta(days=8)


def test_the_command_says_how_many_emails_it_sent_unless_told_to_be_quiet(places, theme, capsys):
    confirmed_alert(place=places["bristol"])
    time_passes(days=1)
    make_initiative("In Bristol", places=[places["bristol"]], themes=[theme])
    time_passes(days=7)
    call_command("send_alert_digests")
    assert "Sent 1 digest email(s); deleted 0 unconfirmed alert(s)." in capsys.readouterr().out
    call_command("send_alert_digests", verbosity=0)
    assert capsys.readouterr().out == ""


# SQLite lets one writer at a time: there are no row locks to skip.
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_run_skips_an_alert_that_another_run_is_sending(places, theme, mailoutbox):
    alert = confirmed_alert(place=places["bristol"])
    time_passes(days=1)
    make_initiative("In Bristol", places=[places["bristol"]], themes=[theme])
    time_passes(days=7)
    mailoutbox.clear()  # Outside a test transaction, the confirmation was sent.
    locked, release = threading.Event(), threading.Event()

    def other_run():
        try:
            with transaction.atomic():
                Alert.objects.select_for_update().get(pk=alert.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_run)
    thread.start()
    try:
        assert locked.wait(10)
        assert alerts.send_digests().sent == 0
        assert not mailoutbox
    finally:
        release.set()
        thread.join()
    assert alerts.send_digests().sent == 1
    assert len(mailoutbox) == 1


# Unsubscribing


def test_opening_the_unsubscribe_link_unsubscribes_at_once(client, bristol):
    alert = confirmed_alert(place=bristol)
    url = reverse("initiatives:alert-unsubscribe", args=[alert.token])

    response = client.get(url)

    assert response.status_code == 200
    content = response.content.decode()
    assert "You have unsubscribed" in content
    assert "Follow again" in content
    assert not Alert.objects.exists()
    assert client.get(url).status_code == 404


def test_a_mail_program_unsubscribes_with_one_click(bristol):
    alert = confirmed_alert(place=bristol)
    url = reverse("initiatives:alert-unsubscribe", args=[alert.token])
    mail_program = Client(enforce_csrf_checks=True)

    response = mail_program.post(url, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert not Alert.objects.exists()


def test_a_post_without_the_one_click_body_changes_nothing(bristol):
    alert = confirmed_alert(place=bristol)
    url = reverse("initiatives:alert-unsubscribe", args=[alert.token])
    response = Client(enforce_csrf_checks=True).post(url, {"something": "else"})
    assert response.status_code == 400
    assert Alert.objects.exists()


def test_an_unconfirmed_alert_can_be_deleted_from_the_confirmation_email(
    client, follow, bristol, mailoutbox
):
    follow(place=bristol.slug)
    assert client.get(link(mailoutbox[0], "unsubscribe")).status_code == 200
    assert not Alert.objects.exists()


def test_following_again_needs_no_new_confirmation(client, bristol, mailoutbox):
    alert = confirmed_alert(place=bristol)
    page = client.get(reverse("initiatives:alert-unsubscribe", args=[alert.token]))
    again = re.search(r'name="again" value="([^"]+)"', page.content.decode()).group(1)

    response = client.post(FOLLOW_URL, {"again": again})

    new = Alert.objects.get()
    assert (new.email, new.place, new.theme) == (READER, bristol, None)
    assert new.confirmed_at is not None
    assert new.token != alert.token
    assert response.url == reverse("initiatives:alert-confirm", args=[new.token])
    assert "Your email alert is on" in client.get(response.url).content.decode()
    assert not mailoutbox


def test_a_forged_follow_again_value_is_turned_away(client, bristol):
    response = client.post(FOLLOW_URL, {"again": "someone@example.org:forged"})
    assert response.status_code == 400
    assert not Alert.objects.exists()


@pytest.mark.parametrize("name", ["alert-confirm", "alert-unsubscribe"])
def test_an_unknown_link_is_a_friendly_404(client, db, name):
    url = reverse(f"initiatives:{name}", args=["6f1c1a6e-36a3-4d0b-9a5c-3c1bd2a9f3b0"])
    response = client.get(url)
    assert response.status_code == 404
    assert "This link no longer works" in response.content.decode()
    data = {"List-Unsubscribe": "One-Click"} if name == "alert-unsubscribe" else {}
    assert client.post(url, data).status_code == 404


# Privacy and staff


def test_the_address_never_appears_on_a_public_page(client, follow, places, theme, mailoutbox):
    bristol = places["bristol"]
    make_initiative("In Bristol", places=[bristol], themes=[theme])
    sent = follow(place=bristol.slug).url
    follow(theme=theme.slug)
    confirm = link(mailoutbox[0], "confirm")
    pages = [sent, confirm, bristol.get_absolute_url(), theme.get_absolute_url()]
    client.post(confirm)
    pages += [confirm, reverse("initiatives:list"), reverse("initiatives:home")]
    pages += [reverse("initiatives:place-feed-atom", args=[bristol.slug])]
    for url in pages:
        assert READER not in client.get(url).content.decode(), url
    unsubscribed = client.get(link(mailoutbox[0], "unsubscribe")).content.decode()
    assert READER not in unsubscribed


def test_staff_find_alerts_by_address_in_the_admin(client, staff, bristol):
    confirmed_alert(place=bristol)
    confirmed_alert(email="other@example.org", place=bristol)
    client.force_login(staff)
    url = reverse("admin:initiatives_alert_changelist")
    content = client.get(url, {"q": "reader@"}).content.decode()
    assert READER in content
    assert "other@example.org" not in content
    assert "Bristol" in content

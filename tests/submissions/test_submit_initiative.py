"""Residents add initiatives: they sign up, confirm their email, fill in the
form, check it against similar initiatives and send it for moderation. Until
a moderator publishes it, nothing they sent is public; they can follow and
edit their submissions, and edits to a published one wait for moderation."""

import re
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from communities.models import Membership
from initiatives.models import (
    Initiative,
    InitiativeOrganisation,
    InitiativeRevision,
    ModerationDecision,
    ProposalState,
    ProposedOrganisation,
    ProposedPlace,
)
from initiatives.submissions.services import revision_apply
from tests.factories import make_initiative, make_organisation, make_theme
from tests.submission_forms import form_data, verified_user

pytestmark = pytest.mark.django_db

SUBMIT = "/initiatives/submit/"
MY_SUBMISSIONS = "/account/submissions/"
PASSWORD = "a-long-and-unusual-password-42"
BOT_MESSAGE = "it looked like an automated submission"


def review_url(pk):
    return f"/initiatives/submit/{pk}/review/"


def done_url(pk):
    return f"/initiatives/submit/{pk}/done/"


def edit_url(pk):
    return f"/account/submissions/{pk}/edit/"


def publish(initiative):
    """What a moderator's approval does to the row, without the moderation pages."""
    Initiative.objects.filter(pk=initiative.pk).update(
        moderation_state=Initiative.State.PUBLISHED, published_at=timezone.now()
    )
    initiative.refresh_from_db()
    return initiative


def error_summary(response):
    match = re.search(r'<div class="error-summary".*?</div>', response.text, re.S)
    assert match, "the page has no error summary"
    return match.group(0)


@pytest.fixture
def submitter(db):
    return verified_user("sam@example.org")


@pytest.fixture
def signed_in(client, submitter):
    client.force_login(submitter)
    return client


@pytest.fixture
def lawrence_weston(places):
    return places["lawrence-weston"]


def post_entry(client, theme, *, place="Lawrence Weston", **overrides):
    return client.post(SUBMIT, form_data(themes=[theme], place=place, **overrides))


def draft_from(response):
    """The draft a successful post created, from the review page it redirects to."""
    assert response.status_code == 302, response.text[:3000]
    match = re.fullmatch(r"/initiatives/submit/(\d+)/review/", response.url)
    assert match, response.url
    return Initiative.objects.get(pk=match.group(1))


def submit_and_send(client, theme, **overrides):
    """Post the form, then send the draft for moderation from the review page."""
    draft = draft_from(post_entry(client, theme, **overrides))
    response = client.post(review_url(draft.pk), {"submit": "1"})
    assert response.status_code == 302 and response.url == done_url(draft.pk)
    draft.refresh_from_db()
    return draft


# The whole journey


def test_a_new_resident_signs_up_confirms_submits_and_nothing_is_public_before_moderation(
    client, mailoutbox, django_capture_on_commit_callbacks, places, theme
):
    lawrence_weston = places["lawrence-weston"]
    # Something published in the same place and theme: the pages below do list
    # initiatives, just not the one waiting for moderation.
    shown = make_initiative(
        "Avonmouth repair cafe", places=[lawrence_weston], themes=[theme], summary="Fix it."
    )

    with django_capture_on_commit_callbacks(execute=True):  # the email leaves on commit
        response = client.post(
            "/account/signup/",
            {"email": "sam@example.org", "password1": PASSWORD, "password2": PASSWORD},
        )
    assert response.status_code == 302
    # Not signed in until the address is confirmed.
    assert client.get(SUBMIT).url.startswith("/account/login/")
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["sam@example.org"]
    link = re.search(r"https?://[^/\s]+(/account/confirm-email/\S+/)", mailoutbox[0].body)[1]
    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 302

    form = client.get(SUBMIT)
    assert form.status_code == 200
    assert 'name="form_started"' in form.text
    response = client.post(SUBMIT, form_data(themes=[theme], place="Lawrence Weston, Bristol"))
    draft = draft_from(response)
    assert draft.moderation_state == Initiative.State.DRAFT
    assert draft.submitted_by.email == "sam@example.org"

    review = client.get(review_url(draft.pk))
    assert review.status_code == 200
    assert "Hartcliffe tool library" in review.text

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(review_url(draft.pk), {"submit": "1"})
    assert response.status_code == 302 and response.url == done_url(draft.pk)
    draft.refresh_from_db()
    assert draft.moderation_state == Initiative.State.PENDING
    done = client.get(response.url)
    assert done.status_code == 200
    assert "Hartcliffe tool library" in done.text
    assert len(mailoutbox) == 2
    confirmation = mailoutbox[1]
    assert confirmation.to == ["sam@example.org"]
    assert "Hartcliffe tool library" in confirmation.subject
    assert MY_SUBMISSIONS in confirmation.body

    listed = client.get(MY_SUBMISSIONS)
    assert "Hartcliffe tool library" in listed.text
    assert "Waiting for moderation" in listed.text

    visitor = Client()
    public_pages = [
        "/",
        "/initiatives/",
        "/initiatives/?q=Hartcliffe",
        "/initiatives/?q=tool",
        "/map/",
        "/api/initiatives.geojson",
        f"/places/{lawrence_weston.slug}/",
        f"/places/{places['bristol'].slug}/",
        f"/themes/{theme.slug}/",
    ]
    for url in public_pages:
        for who in (visitor, client):
            page = who.get(url)
            assert page.status_code == 200, url
            assert "Hartcliffe tool library" not in page.text, url
            assert "Residents lend each other tools" not in page.text, url
    for url in ["/", "/initiatives/", "/api/initiatives.geojson"]:
        assert shown.title in visitor.get(url).text, url
    for url in [f"/places/{lawrence_weston.slug}/", f"/themes/{theme.slug}/"]:
        assert shown.title in visitor.get(url).text, url
    assert visitor.get(f"/initiatives/{draft.slug}/").status_code == 404
    assert client.get(f"/initiatives/{draft.slug}/").status_code == 404


# Who may submit


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_anonymous_visitor_is_sent_to_sign_in_and_nothing_is_created(
    client, method, places, theme
):
    data = form_data(themes=[theme], place="Bristol") if method == "post" else None
    response = getattr(client, method)(SUBMIT, data)
    assert response.status_code == 302
    assert response.url.startswith("/account/login/?next=/initiatives/submit/")
    assert not Initiative.objects.exists()


def test_a_person_who_has_not_confirmed_their_email_is_asked_to_first(
    client, resident, places, theme
):
    client.force_login(resident)
    page = client.get(SUBMIT)
    assert page.status_code == 403
    assert "Confirm your email address first" in page.text
    response = post_entry(client, theme)
    assert response.status_code == 403
    assert "Confirm your email address first" in response.text
    assert not Initiative.objects.exists()


def test_nobody_else_can_open_the_review_done_or_edit_page_of_a_submission(
    client, submitter, places, theme
):
    client.force_login(submitter)
    draft = draft_from(post_entry(client, theme, title="Draft one"))
    pending = submit_and_send(client, theme, title="Pending one")
    owner_pages = [review_url(draft.pk), edit_url(draft.pk), done_url(pending.pk)]
    for url in owner_pages:
        assert client.get(url).status_code == 200, url

    other = Client()
    other.force_login(verified_user("other@example.org"))
    for url in [*owner_pages, edit_url(pending.pk)]:
        assert other.get(url).status_code == 404, url
    assert other.post(review_url(draft.pk), {"submit": "1"}).status_code == 404
    response = other.post(edit_url(pending.pk), form_data(themes=[theme], place="Bath"))
    assert response.status_code == 404
    draft.refresh_from_db()
    pending.refresh_from_db()
    assert draft.moderation_state == Initiative.State.DRAFT
    assert pending.title == "Pending one"


# Mistakes in the form


@pytest.mark.parametrize(
    ("missing", "anchor", "message"),
    [
        ("title", "id_title", "Enter the name of the initiative."),
        ("summary", "id_summary", "Enter a short summary."),
        ("themes", "themes-fieldset", "Choose at least one theme."),
        ("place", "id_place", "Enter the place that the initiative serves."),
    ],
)
def test_a_missing_required_answer_is_listed_and_linked_and_every_answer_is_kept(
    signed_in, places, theme, missing, anchor, message
):
    other_theme = make_theme("Food")
    data = form_data(
        themes=[theme],
        place="Lawrence Weston",
        title="Hartcliffe tool library",
        description="Open on Saturdays, by the green shed.",
        website="https://tools.example.org",
    )
    data[missing] = [] if missing == "themes" else ""
    response = signed_in.post(SUBMIT, data)

    assert response.status_code == 400
    summary = error_summary(response)
    assert f'href="#{anchor}"' in summary
    assert message in summary
    page = response.text
    assert "Open on Saturdays, by the green shed." in page
    assert 'value="https://tools.example.org"' in page
    if missing != "title":
        assert 'value="Hartcliffe tool library"' in page
    if missing != "place":
        assert 'value="Lawrence Weston"' in page
    theme_box = re.search(rf'<input type="checkbox" name="themes" value="{theme.pk}"[^>]*>', page)
    assert ("checked" in theme_box[0]) is (missing != "themes")
    other_box = re.search(
        rf'<input type="checkbox" name="themes" value="{other_theme.pk}"[^>]*>', page
    )
    assert "checked" not in other_box[0]
    assert not Initiative.objects.exists()


def test_every_missing_answer_is_listed_at_once(signed_in, places, theme):
    data = form_data(themes=[], place="", title="", summary="")
    response = signed_in.post(SUBMIT, data)
    assert response.status_code == 400
    summary = error_summary(response)
    for anchor in ("id_title", "id_summary", "themes-fieldset", "id_place"):
        assert f'href="#{anchor}"' in summary
    assert not Initiative.objects.exists()


def test_a_place_we_do_not_know_is_named_in_the_error(signed_in, places, theme):
    response = post_entry(signed_in, theme, place="Atlantis")
    assert response.status_code == 400
    summary = error_summary(response)
    assert 'href="#id_place"' in summary
    assert "We do not know a place called “Atlantis”" in summary
    assert not Initiative.objects.exists()


@pytest.mark.parametrize(
    ("answers", "anchor", "message"),
    [
        (
            {"contact_name": "Jo Bloggs", "contact_email": "jo@example.org"},
            "id_contact_consent",
            "Tick the box to confirm that the contact agrees",
        ),
        (
            {"start_date": "2024-05-01", "end_date": "2024-04-30"},
            "id_end_date",
            "The end date cannot be before the start date.",
        ),
        (
            {"latitude": "51.5"},
            "id_longitude",
            "Enter both latitude and longitude for the pin, or neither.",
        ),
        (
            {"longitude": "-2.6"},
            "id_latitude",
            "Enter both latitude and longitude for the pin, or neither.",
        ),
        (
            {"credit_submitter": "on", "public_name": " "},
            "id_public_name",
            "Enter the name to credit you by.",
        ),
    ],
    ids=[
        "contact-without-consent",
        "end-before-start",
        "lat-without-lng",
        "lng-without-lat",
        "credit-without-name",
    ],
)
def test_answers_that_do_not_fit_together_get_an_error_on_the_right_field(
    signed_in, places, theme, answers, anchor, message
):
    response = post_entry(signed_in, theme, **answers)
    assert response.status_code == 400
    summary = error_summary(response)
    assert f'href="#{anchor}"' in summary
    assert message in summary
    for name, value in answers.items():
        if value.strip() and name != "credit_submitter":
            assert f'value="{value}"' in response.text, name  # kept, to correct
    assert not Initiative.objects.exists()


def test_contact_details_with_consent_are_accepted(signed_in, places, theme):
    draft = draft_from(
        post_entry(
            signed_in,
            theme,
            contact_name="Jo Bloggs",
            contact_email="jo@example.org",
            contact_consent="on",
            start_date="2024-04-01",
            end_date="2024-05-01",
        )
    )
    assert draft.contact_consent
    assert draft.contact_email == "jo@example.org"
    assert draft.end_date > draft.start_date


# New places and organisations


def test_proposing_a_new_place_files_it_for_moderation_within_the_larger_place(
    signed_in, submitter, places, theme
):
    draft = draft_from(
        post_entry(
            signed_in, theme, new_place="on", place="Shirehampton", new_place_within="Bristol"
        )
    )
    proposal = ProposedPlace.objects.get()
    assert proposal.name == "Shirehampton"
    assert proposal.within == places["bristol"]
    assert proposal.state == ProposalState.PENDING
    assert proposal.initiative == draft
    assert proposal.proposed_by == submitter
    assert draft.primary_place == places["bristol"]
    review = signed_in.get(review_url(draft.pk))
    assert "new place proposed: Shirehampton" in review.text


def test_a_new_place_needs_the_larger_place_it_is_in(signed_in, places, theme):
    response = post_entry(signed_in, theme, new_place="on", place="Shirehampton")
    assert response.status_code == 400
    assert 'href="#id_new_place_within"' in error_summary(response)
    assert not Initiative.objects.exists() and not ProposedPlace.objects.exists()


def test_proposing_a_new_organisation_files_it_for_moderation(signed_in, places, theme):
    draft = draft_from(
        post_entry(
            signed_in,
            theme,
            **{
                "org-0-name": "Lawrence Weston Community Energy",
                "org-0-is_new": "on",
                "org-0-role": "lead",
                "org-0-website": "lwce.example.org",
            },
        )
    )
    proposal = ProposedOrganisation.objects.get()
    assert proposal.initiative == draft
    assert proposal.name == "Lawrence Weston Community Energy"
    assert proposal.role == "lead"
    assert proposal.website == "https://lwce.example.org"
    assert proposal.state == ProposalState.PENDING
    assert not draft.organisations.exists()


def test_choosing_an_organisation_from_the_list_links_it_in_its_role(signed_in, places, theme):
    network = make_organisation("Bristol Energy Network", kind="charity")
    council = make_organisation("Bristol City Council", kind="council")
    draft = draft_from(
        post_entry(
            signed_in,
            theme,
            **{
                "org-0-name": "bristol energy network",
                "org-0-role": "partner",
                "org-1-name": "Bristol City Council",
                "org-1-role": "funder",
            },
        )
    )
    links = {
        (link.organisation, link.role)
        for link in InitiativeOrganisation.objects.filter(initiative=draft)
    }
    assert links == {(network, "partner"), (council, "funder")}
    assert not ProposedOrganisation.objects.exists()


def test_an_organisation_we_do_not_know_needs_the_new_organisation_box(signed_in, places, theme):
    response = post_entry(signed_in, theme, **{"org-0-name": "Nobody Knows Trust"})
    assert response.status_code == 400
    summary = error_summary(response)
    assert 'href="#id_org-0-name"' in summary
    assert "We do not know an organisation called “Nobody Knows Trust”" in summary
    assert 'value="Nobody Knows Trust"' in response.text
    assert not Initiative.objects.exists()
    assert not ProposedOrganisation.objects.exists()


# The pin on the map


def test_a_pin_placed_by_the_submitter_is_kept(signed_in, places, theme):
    draft = draft_from(post_entry(signed_in, theme, latitude="51.4987", longitude="-2.6912"))
    assert (draft.latitude, draft.longitude) == (51.4987, -2.6912)
    assert draft.location_is_place_centre is False


def test_without_a_pin_the_initiative_sits_at_the_centre_of_its_place(
    signed_in, lawrence_weston, theme
):
    draft = draft_from(post_entry(signed_in, theme))
    assert (draft.latitude, draft.longitude) == (
        lawrence_weston.latitude,
        lawrence_weston.longitude,
    )
    assert draft.location_is_place_centre is True


# Spam


@pytest.mark.parametrize(
    "trap",
    [
        {"fax_number": "+44 117 496 0000"},
        {"seconds_ago": 1},
        {"form_started": "1700000000:forged-signature"},
        {"form_started": ""},
    ],
    ids=["honeypot", "too-fast", "tampered-token", "no-token"],
)
def test_what_only_a_bot_would_send_is_turned_away_politely(signed_in, places, theme, trap):
    response = post_entry(signed_in, theme, **trap)
    assert response.status_code == 400
    assert BOT_MESSAGE in error_summary(response)
    assert "If you are a person, please check your entries and send the form again." in (
        response.text
    )
    assert "Hartcliffe tool library" in response.text  # the entries are kept
    assert not Initiative.objects.exists()


# Hourly limits


@pytest.fixture
def within_one_hour():
    """The limits count per clock hour: start a test that counts well inside one."""
    seconds_left = 3600 - time.time() % 3600
    if seconds_left < 5:
        time.sleep(seconds_left + 0.1)


def test_a_person_can_send_only_so_many_submissions_an_hour(
    signed_in, settings, places, theme, within_one_hour
):
    settings.SUBMISSIONS_PER_USER_PER_HOUR = 2
    draft_from(post_entry(signed_in, theme, title="First"))
    draft_from(post_entry(signed_in, theme, title="Second"))
    response = post_entry(signed_in, theme, title="Third")
    assert response.status_code == 429
    assert "We accept at most 2 submissions an hour" in error_summary(response)
    assert 'value="Third"' in response.text  # kept, to send again later
    assert sorted(Initiative.objects.values_list("title", flat=True)) == ["First", "Second"]


def test_mistakes_do_not_count_towards_the_hourly_limit(
    signed_in, settings, places, theme, within_one_hour
):
    settings.SUBMISSIONS_PER_USER_PER_HOUR = 1
    assert post_entry(signed_in, theme, title="").status_code == 400
    assert post_entry(signed_in, theme, place="Atlantis").status_code == 400
    draft_from(post_entry(signed_in, theme))
    assert post_entry(signed_in, theme).status_code == 429


def test_one_network_can_send_only_so_many_submissions_an_hour(
    settings, places, theme, within_one_hour
):
    settings.SUBMISSIONS_PER_IP_PER_HOUR = 2
    alex, billie = Client(REMOTE_ADDR="203.0.113.9"), Client(REMOTE_ADDR="203.0.113.9")
    alex.force_login(verified_user("alex@example.org"))
    billie.force_login(verified_user("billie@example.org"))
    draft_from(post_entry(alex, theme, title="First"))
    draft_from(post_entry(alex, theme, title="Second"))
    response = post_entry(billie, theme, title="Third")
    assert response.status_code == 429
    assert "We accept at most 2 submissions an hour" in error_summary(response)
    assert Initiative.objects.count() == 2

    elsewhere = Client(REMOTE_ADDR="198.51.100.20")
    elsewhere.force_login(get_user_model().objects.get(email="billie@example.org"))
    draft_from(post_entry(elsewhere, theme, title="Third"))


def test_behind_a_proxy_the_address_it_forwards_is_the_one_counted(
    settings, places, theme, within_one_hour
):
    settings.SUBMISSIONS_PER_IP_PER_HOUR = 2
    settings.NUM_PROXIES = 1
    proxy = "10.0.0.1"  # every request arrives from the proxy

    def person(email, forwarded_for):
        browser = Client(REMOTE_ADDR=proxy, headers={"X-Forwarded-For": forwarded_for})
        browser.force_login(verified_user(email))
        return browser

    alex = person("alex@example.org", "198.51.100.7")
    # A client may send its own X-Forwarded-For; the proxy appends the real address.
    billie = person("billie@example.org", "192.0.2.99, 198.51.100.7")
    casey = person("casey@example.org", "198.51.100.8")
    draft_from(post_entry(alex, theme, title="First"))
    draft_from(post_entry(alex, theme, title="Second"))
    assert post_entry(billie, theme, title="Third").status_code == 429
    draft_from(post_entry(casey, theme, title="Fourth"))
    assert Initiative.objects.count() == 3


def test_without_a_proxy_a_forged_forwarded_address_does_not_escape_the_limit(
    settings, places, theme, within_one_hour
):
    settings.SUBMISSIONS_PER_IP_PER_HOUR = 2
    settings.NUM_PROXIES = 0
    statuses = []
    for n, forged in enumerate(["192.0.2.1", "192.0.2.2", "192.0.2.3"]):
        browser = Client(REMOTE_ADDR="203.0.113.9", headers={"X-Forwarded-For": forged})
        browser.force_login(verified_user(f"person{n}@example.org"))
        statuses.append(post_entry(browser, theme, title=f"Entry {n}").status_code)
    assert statuses == [302, 302, 429]
    assert Initiative.objects.count() == 2


# Is it already listed?


@pytest.fixture
def solar_farm(lawrence_weston, theme):
    return make_initiative(
        "Lawrence Weston community solar farm",
        places=[lawrence_weston],
        themes=[theme],
        summary="A 4 MW solar farm owned by the neighbourhood.",
    )


def test_the_review_page_shows_a_similar_published_initiative_nearby(signed_in, solar_farm, theme):
    draft = draft_from(post_entry(signed_in, theme, title="Lawrence Weston solar farm"))
    review = signed_in.get(review_url(draft.pk))
    assert review.status_code == 200
    assert [i.pk for i in review.context["similar"]] == [solar_farm.pk]
    assert f'href="/initiatives/{solar_farm.slug}/"' in review.text
    assert "Lawrence Weston community solar farm" in review.text
    assert '<p class="card__meta">Lawrence Weston</p>' in review.text
    assert f'name="same_as" value="{solar_farm.slug}"' in review.text


def test_saying_it_is_the_same_initiative_discards_the_draft_and_shows_the_existing_one(
    signed_in, solar_farm, theme, mailoutbox, django_capture_on_commit_callbacks
):
    draft = draft_from(post_entry(signed_in, theme, title="Lawrence Weston solar farm"))
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(review_url(draft.pk), {"same_as": solar_farm.slug})
    assert response.status_code == 302
    assert response.url == f"/initiatives/{solar_farm.slug}/"
    assert not Initiative.objects.filter(pk=draft.pk).exists()
    assert list(Initiative.objects.all()) == [solar_farm]
    assert "already on the map" in signed_in.get(response.url).text
    assert mailoutbox == []


def test_same_as_an_initiative_that_was_not_listed_keeps_the_draft(
    signed_in, solar_farm, places, theme
):
    unrelated = make_initiative("Bath orchard", places=[places["bath"]], themes=[theme])
    draft = draft_from(post_entry(signed_in, theme, title="Lawrence Weston solar farm"))
    response = signed_in.post(review_url(draft.pk), {"same_as": unrelated.slug})
    assert response.status_code == 302 and response.url == review_url(draft.pk)
    draft.refresh_from_db()
    assert draft.moderation_state == Initiative.State.DRAFT
    assert "Choose one of the initiatives listed." in signed_in.get(response.url).text


def test_an_unrelated_title_finds_nothing_like_it(signed_in, solar_farm, theme):
    draft = draft_from(post_entry(signed_in, theme, title="Hartcliffe tool library"))
    review = signed_in.get(review_url(draft.pk))
    assert review.context["similar"] == []
    assert "We found nothing like it" in review.text
    assert solar_farm.title not in review.text


def test_a_draft_can_be_sent_only_once_and_then_leaves_the_review_page(
    signed_in, places, theme, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sent = submit_and_send(signed_in, theme)
    assert sent.moderation_state == Initiative.State.PENDING
    assert signed_in.get(review_url(sent.pk)).status_code == 404
    assert signed_in.post(review_url(sent.pk), {"submit": "1"}).status_code == 404
    assert len(mailoutbox) == 1


# Editing one's submissions


def test_editing_a_pending_submission_changes_it_and_it_stays_pending(signed_in, places, theme):
    pending = submit_and_send(signed_in, theme)
    form = signed_in.get(edit_url(pending.pk))
    assert form.status_code == 200
    assert 'value="Hartcliffe tool library"' in form.text
    assert 'value="Lawrence Weston, Bristol"' in form.text

    response = signed_in.post(
        edit_url(pending.pk),
        form_data(themes=[theme], place="Bath", title="Hartcliffe tool and toy library"),
    )
    assert response.status_code == 302 and response.url == MY_SUBMISSIONS
    pending.refresh_from_db()
    assert pending.title == "Hartcliffe tool and toy library"
    assert pending.moderation_state == Initiative.State.PENDING
    assert pending.primary_place == places["bath"]
    assert "Your changes are saved" in signed_in.get(MY_SUBMISSIONS).text


def test_changing_the_place_of_a_submission_replaces_the_place_it_serves(
    signed_in, lawrence_weston, places, theme
):
    pending = submit_and_send(signed_in, theme)
    signed_in.post(edit_url(pending.pk), form_data(themes=[theme], place="Bath"))
    assert pending.primary_place == places["bath"]
    assert set(pending.places.all()) == {places["bath"]}
    publish(pending)
    assert "Hartcliffe tool library" not in Client().get(f"/places/{lawrence_weston.slug}/").text


def test_an_approved_edit_that_moves_a_published_initiative_replaces_the_place_it_serves(
    signed_in, live, lawrence_weston, places, theme
):
    signed_in.post(edit_url(live.pk), form_data(themes=[theme], place="Bath"))
    revision_apply(InitiativeRevision.objects.get())
    assert live.primary_place == places["bath"]
    assert set(live.places.all()) == {places["bath"]}
    assert live.title not in Client().get(f"/places/{lawrence_weston.slug}/").text


def test_editing_a_draft_returns_to_the_check_before_sending(signed_in, places, theme):
    draft = draft_from(post_entry(signed_in, theme))
    response = signed_in.post(
        edit_url(draft.pk), form_data(themes=[theme], place="Lawrence Weston", title="Renamed")
    )
    assert response.status_code == 302 and response.url == review_url(draft.pk)
    draft.refresh_from_db()
    assert draft.title == "Renamed"
    assert draft.moderation_state == Initiative.State.DRAFT


def test_editing_a_submission_with_changes_requested_sends_it_back_to_moderation(
    signed_in, places, theme
):
    pending = submit_and_send(signed_in, theme)
    Initiative.objects.filter(pk=pending.pk).update(
        moderation_state=Initiative.State.CHANGES_REQUESTED
    )
    form = signed_in.get(edit_url(pending.pk))
    assert "A moderator asked for changes" in form.text
    response = signed_in.post(
        edit_url(pending.pk),
        form_data(themes=[theme], place="Lawrence Weston", summary="Now with opening hours."),
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.summary == "Now with opening hours."
    assert pending.moderation_state == Initiative.State.PENDING


def test_a_mistake_in_an_edit_changes_nothing(signed_in, places, theme):
    pending = submit_and_send(signed_in, theme)
    response = signed_in.post(
        edit_url(pending.pk), form_data(themes=[theme], place="Lawrence Weston", title="")
    )
    assert response.status_code == 400
    assert 'href="#id_title"' in error_summary(response)
    pending.refresh_from_db()
    assert pending.title == "Hartcliffe tool library"


@pytest.fixture
def live(submitter, lawrence_weston, theme):
    return make_initiative(
        "Lawrence Weston tool shed",
        places=[lawrence_weston],
        themes=[theme],
        submitted_by=submitter,
    )


def test_an_edit_to_a_published_initiative_waits_for_moderation_and_the_page_stays_as_it_is(
    signed_in, live, theme
):
    form = signed_in.get(edit_url(live.pk))
    assert form.status_code == 200
    assert 'value="Lawrence Weston tool shed"' in form.text
    assert "the public page stays as it is" in form.text

    response = signed_in.post(
        edit_url(live.pk),
        form_data(themes=[theme], place="Lawrence Weston", title="Lawrence Weston tool library"),
    )
    assert response.status_code == 302 and response.url == MY_SUBMISSIONS
    revision = InitiativeRevision.objects.get()
    assert revision.initiative == live
    assert revision.state == InitiativeRevision.State.PENDING
    assert revision.data["title"] == "Lawrence Weston tool library"
    live.refresh_from_db()
    assert live.title == "Lawrence Weston tool shed"
    assert live.moderation_state == Initiative.State.PUBLISHED

    page = Client().get(f"/initiatives/{live.slug}/")
    assert page.status_code == 200
    assert "Lawrence Weston tool shed" in page.text
    assert "Lawrence Weston tool library" not in page.text
    mine = signed_in.get(MY_SUBMISSIONS).text
    assert "Your latest edit: Waiting for moderation." in mine


def test_a_second_edit_replaces_the_waiting_one_and_approval_makes_it_live(signed_in, live, theme):
    signed_in.post(
        edit_url(live.pk),
        form_data(themes=[theme], place="Lawrence Weston", title="Lawrence Weston tool library"),
    )
    form = signed_in.get(edit_url(live.pk))
    assert "You already have an edit waiting" in form.text
    assert 'value="Lawrence Weston tool library"' in form.text  # the waiting edit, not the live
    signed_in.post(
        edit_url(live.pk),
        form_data(
            themes=[theme], place="Lawrence Weston", title="Lawrence Weston library of things"
        ),
    )
    revision = InitiativeRevision.objects.get()
    assert revision.state == InitiativeRevision.State.PENDING
    assert revision.data["title"] == "Lawrence Weston library of things"
    assert "library of things" not in Client().get(f"/initiatives/{live.slug}/").text

    revision_apply(revision)

    page = Client().get(f"/initiatives/{live.slug}/")
    assert page.status_code == 200
    assert "Lawrence Weston library of things" in page.text
    assert "Lawrence Weston tool shed" not in page.text
    revision.refresh_from_db()
    assert revision.state == InitiativeRevision.State.APPROVED


def test_an_edit_to_a_published_initiative_leaves_its_public_credit_as_it_is(
    signed_in, submitter, lawrence_weston, theme
):
    submitter.public_name = "Sam"
    submitter.save()
    credited = make_initiative(
        "Lawrence Weston tool shed",
        places=[lawrence_weston],
        themes=[theme],
        submitted_by=submitter,
        credit_submitter=True,
        credit_name="Sam",
    )
    assert "Submitted by Sam" in Client().get(f"/initiatives/{credited.slug}/").text
    response = signed_in.post(
        edit_url(credited.pk),
        form_data(
            themes=[theme],
            place="Lawrence Weston",
            title="Lawrence Weston tool shed",
            credit_submitter="on",
            public_name="Cheap pills at spam.example",
        ),
    )
    assert response.status_code == 302
    assert InitiativeRevision.objects.get().state == InitiativeRevision.State.PENDING
    page = Client().get(f"/initiatives/{credited.slug}/")
    assert "Submitted by Sam" in page.text
    assert "Cheap pills" not in page.text


def test_a_name_sent_with_a_new_submission_is_not_public_before_moderation(
    signed_in, submitter, lawrence_weston, theme
):
    submitter.public_name = "Sam"
    submitter.save()
    credited = make_initiative(
        "Lawrence Weston tool shed",
        places=[lawrence_weston],
        themes=[theme],
        submitted_by=submitter,
        credit_submitter=True,
        credit_name="Sam",
    )
    draft_from(
        post_entry(
            signed_in, theme, credit_submitter="on", public_name="Cheap pills at spam.example"
        )
    )
    page = Client().get(f"/initiatives/{credited.slug}/")
    assert "Submitted by Sam" in page.text
    assert "Cheap pills" not in page.text


@pytest.mark.parametrize("state", [Initiative.State.REJECTED, Initiative.State.ARCHIVED])
def test_a_rejected_or_archived_submission_cannot_be_edited(
    signed_in, submitter, lawrence_weston, theme, state
):
    closed = make_initiative(
        "Closed tool shed",
        places=[lawrence_weston],
        themes=[theme],
        submitted_by=submitter,
        state=state,
    )
    page = signed_in.get(edit_url(closed.pk))
    assert page.status_code == 403
    assert "This submission cannot be edited" in page.text
    response = signed_in.post(
        edit_url(closed.pk), form_data(themes=[theme], place="Lawrence Weston", title="Reopened")
    )
    assert response.status_code == 403
    closed.refresh_from_db()
    assert closed.title == "Closed tool shed"
    assert closed.moderation_state == state
    assert not InitiativeRevision.objects.exists()


# My submissions


def test_my_submissions_shows_each_state_and_the_latest_message_from_the_moderator(
    signed_in, submitter, lawrence_weston, theme
):
    def mine(title, state):
        return make_initiative(
            title, places=[lawrence_weston], themes=[theme], submitted_by=submitter, state=state
        )

    mine("Draft garden", "draft")
    mine("Pending pantry", "pending")
    asked = mine("Asked-about allotment", "changes_requested")
    mine("Published pool", "published")
    mine("Rejected rink", "rejected")
    older = ModerationDecision.objects.create(
        initiative=asked,
        from_state="pending",
        to_state="changes_requested",
        message="An older message.",
    )
    ModerationDecision.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    ModerationDecision.objects.create(
        initiative=asked,
        from_state="pending",
        to_state="changes_requested",
        message="Please add when it opens.",
        internal_note="Secret staff note.",
    )
    make_initiative(
        "Someone else's sauna",
        places=[lawrence_weston],
        themes=[theme],
        submitted_by=verified_user("other@example.org"),
        state="pending",
    )

    page = signed_in.get(MY_SUBMISSIONS)
    assert page.status_code == 200
    text = page.text
    items = {
        re.search(r'<h2 class="submission__title">(?:<a [^>]*>)?([^<]+)<', item)[1]: item
        for item in text.split('<li class="submission">')[1:]
    }
    assert {
        title: re.search(r'<span class="state [^"]*">([^<]+)</span>', item)[1]
        for title, item in items.items()
    } == {
        "Draft garden": "Draft",
        "Pending pantry": "Waiting for moderation",
        "Asked-about allotment": "Changes requested",
        "Published pool": "Published",
        "Rejected rink": "Rejected",
    }
    assert "Please add when it opens." in items["Asked-about allotment"]
    assert "An older message." not in text
    assert "Secret staff note." not in text
    assert "Someone else" not in text


def test_my_submissions_does_not_show_other_peoples_submissions(client, lawrence_weston, theme):
    other = verified_user("other@example.org")
    make_initiative(
        "Someone else's sauna",
        places=[lawrence_weston],
        themes=[theme],
        submitted_by=other,
        state="pending",
    )
    client.force_login(verified_user("me@example.org"))
    page = client.get(MY_SUBMISSIONS)
    assert page.status_code == 200
    assert "Someone else" not in page.text
    assert "You have not added any initiatives yet." in page.text


def test_my_submissions_needs_signing_in(client):
    response = client.get(MY_SUBMISSIONS)
    assert response.status_code == 302
    assert response.url.startswith("/account/login/")


def test_my_submissions_takes_as_many_queries_for_15_submissions_as_for_3(
    signed_in, submitter, lawrence_weston, theme, django_assert_max_num_queries
):
    organisation = make_organisation("Bristol City Council", kind="council")

    def add(n):
        for i in range(n):
            initiative = make_initiative(
                f"Initiative {Initiative.objects.count() + 1}",
                places=[lawrence_weston],
                themes=[theme],
                submitted_by=submitter,
                on_behalf_of=organisation,
                state=["pending", "changes_requested", "published"][i % 3],
            )
            ModerationDecision.objects.create(
                initiative=initiative, from_state="pending", to_state="pending", message=f"Note {i}"
            )
            if initiative.is_public:
                InitiativeRevision.objects.create(
                    initiative=initiative, proposed_by=submitter, data={"title": "x"}
                )

    add(3)
    with django_assert_max_num_queries(12) as few:
        assert signed_in.get(MY_SUBMISSIONS).status_code == 200
    add(12)
    with django_assert_max_num_queries(12) as many:
        page = signed_in.get(MY_SUBMISSIONS)
    assert page.text.count('<li class="submission">') == 15
    assert len(many) == len(few), (len(few), len(many))


# On behalf of an organisation, and credit


@pytest.fixture
def council(db):
    return make_organisation("Bristol City Council", kind="council")


def test_an_approved_member_submits_on_behalf_of_their_organisation(
    signed_in, submitter, council, places, theme
):
    Membership.objects.create(user=submitter, organisation=council, state=Membership.State.APPROVED)
    form = signed_in.get(SUBMIT)
    assert "Submit as" in form.text
    assert f'value="{council.pk}"' in form.text
    assert "Bristol City Council" in form.text

    draft = draft_from(post_entry(signed_in, theme, on_behalf_of=str(council.pk)))
    assert draft.on_behalf_of == council
    assert "for Bristol City Council" in signed_in.get(MY_SUBMISSIONS).text

    publish(draft)
    page = Client().get(f"/initiatives/{draft.slug}/")
    assert page.status_code == 200
    assert f'Submitted by <a href="/organisations/{council.slug}/">Bristol City Council</a>' in (
        page.text
    )
    assert "sam@example.org" not in page.text


@pytest.mark.parametrize(
    "membership", [None, Membership.State.REQUESTED, Membership.State.DECLINED]
)
def test_someone_who_is_not_an_approved_member_cannot_submit_for_the_organisation(
    signed_in, submitter, council, places, theme, membership
):
    if membership:
        Membership.objects.create(user=submitter, organisation=council, state=membership)
    form = signed_in.get(SUBMIT)
    assert "Submit as" not in form.text
    response = post_entry(signed_in, theme, on_behalf_of=str(council.pk))
    assert response.status_code == 400
    assert 'href="#id_on_behalf_of_0"' in error_summary(response)
    assert not Initiative.objects.exists()


@pytest.mark.parametrize(
    "mistakes",
    [
        {"on_behalf_of": "COUNCIL"},
        {"title": "", "summary": "", "activity_status": "bogus", "start_date": "soon"},
        {"org-0-name": "Nobody Knows Trust", "photo-0-alt_text": "A shed"},
    ],
    ids=["organisation-not-allowed", "main-fields", "rows"],
)
def test_every_link_in_the_error_summary_leads_to_the_answer_to_correct(
    signed_in, submitter, council, places, theme, mistakes
):
    Membership.objects.create(user=submitter, organisation=council, state=Membership.State.DECLINED)
    if mistakes.get("on_behalf_of") == "COUNCIL":
        mistakes = {"on_behalf_of": str(council.pk)}
    response = post_entry(signed_in, theme, **mistakes)
    assert response.status_code == 400
    anchors = re.findall(r'href="#([^"]+)"', error_summary(response))
    assert anchors
    for anchor in anchors:
        assert f'id="{anchor}"' in response.text, anchor
    assert not Initiative.objects.exists()


def test_a_submitter_who_asks_to_be_credited_is_named_on_the_published_page(
    signed_in, submitter, places, theme
):
    draft = draft_from(post_entry(signed_in, theme, credit_submitter="on", public_name="Sam"))
    submitter.refresh_from_db()
    assert submitter.public_name == "Sam"
    assert draft.credit_submitter
    publish(draft)
    page = Client().get(f"/initiatives/{draft.slug}/")
    assert "Submitted by Sam" in page.text
    assert "sam@example.org" not in page.text


def test_a_submitter_who_does_not_ask_to_be_credited_is_not_named(
    signed_in, submitter, places, theme
):
    submitter.public_name = "Samantha Quill"
    submitter.full_name = "Samantha Q. Private"
    submitter.save()
    draft = draft_from(post_entry(signed_in, theme, public_name="Samantha Quill"))
    assert not draft.credit_submitter
    publish(draft)
    page = Client().get(f"/initiatives/{draft.slug}/")
    assert page.status_code == 200
    assert "Hartcliffe tool library" in page.text
    assert "Submitted by" not in page.text
    assert "Samantha" not in page.text
    assert "sam@example.org" not in page.text

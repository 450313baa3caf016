"""The database itself refuses data that breaks the model's rules."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from communities.models import Organisation, Place
from initiatives.models import Initiative, InitiativeImage, InitiativePlace
from tests.factories import make_initiative, make_place, make_theme

pytestmark = pytest.mark.django_db


def refused(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


def test_latitude_and_longitude_out_of_range_are_refused(published):
    refused(lambda: Initiative.objects.filter(pk=published.pk).update(latitude=91))
    refused(lambda: Initiative.objects.filter(pk=published.pk).update(longitude=-180.5))
    refused(lambda: Place.objects.filter(pk=published.primary_place.pk).update(latitude=-90.01))


def test_a_latitude_without_a_longitude_is_refused(published):
    refused(lambda: Initiative.objects.filter(pk=published.pk).update(longitude=None))


def test_an_end_date_before_the_start_date_is_refused(published):
    refused(
        lambda: Initiative.objects.filter(pk=published.pk).update(
            start_date=datetime.date(2021, 3, 9), end_date=datetime.date(2021, 3, 8)
        )
    )
    Initiative.objects.filter(pk=published.pk).update(
        start_date=datetime.date(2021, 3, 9), end_date=datetime.date(2021, 3, 9)
    )


def test_slugs_are_unique(published, england):
    refused(Initiative(title="Other", slug=published.slug, summary="s", description="d").save)
    refused(Place(name="England", slug="england", kind="country", path="9999", depth=1).save)
    Organisation.objects.create(name="A", slug="same", kind="charity")
    refused(Organisation(name="B", slug="same", kind="charity").save)


def test_a_second_initiative_with_the_same_title_gets_its_own_slug(england, theme):
    first = make_initiative("Repair café", places=[england], themes=[theme])
    second = make_initiative("Repair café", places=[england], themes=[theme])
    assert (first.slug, second.slug) == ("repair-cafe", "repair-cafe-2")


def test_gss_codes_are_unique_when_set_and_may_be_blank_on_many_places(england):
    make_place("Bristol", parent=england, gss_code="E06000023")
    make_place("Lawrence Weston", parent=england)
    frome = make_place("Frome", parent=england)
    with pytest.raises(ValidationError, match="Another place already has this GSS code"):
        make_place("Another Bristol", parent=england, gss_code="E06000023")
    refused(lambda: Place.objects.filter(pk=frome.pk).update(gss_code="E06000023"))


def test_an_initiative_has_one_primary_place_at_most(published, england):
    other = make_place("Bristol", parent=england)
    refused(
        lambda: InitiativePlace.objects.create(initiative=published, place=other, is_primary=True)
    )


def test_a_published_initiative_must_have_a_publication_date(published):
    refused(lambda: Initiative.objects.filter(pk=published.pk).update(published_at=None))


def test_an_unknown_moderation_state_is_refused(published):
    refused(lambda: Initiative.objects.filter(pk=published.pk).update(moderation_state="live"))


def test_an_image_without_alternative_text_is_refused(published):
    refused(
        lambda: InitiativeImage.objects.create(initiative=published, image="x.jpg", alt_text="")
    )


def test_emails_are_unique_whatever_their_case(db):
    User = get_user_model()
    User.objects.create_user("Sam@Example.org", "a-long-password-1")
    assert User.objects.get_by_natural_key("sam@example.org").email == "sam@example.org"
    refused(lambda: User.objects.create(email="SAM@example.org"))


def test_an_initiative_needs_a_place_and_a_theme(england, theme):
    with pytest.raises(ValidationError) as error:
        make_initiative("No place", places=[], themes=[theme])
    assert "places" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        make_initiative("No theme", places=[england], themes=[])
    assert "themes" in error.value.message_dict
    assert not Initiative.objects.filter(title__in=["No place", "No theme"]).exists()


def test_without_a_pin_the_location_is_the_primary_place_centre(england, theme):
    bristol = make_place("Bristol", parent=england, latitude=51.4545, longitude=-2.5879)
    initiative = make_initiative("Library", places=[bristol, england], themes=[theme])
    assert (initiative.latitude, initiative.longitude) == (51.4545, -2.5879)
    assert initiative.location_is_place_centre
    assert initiative.primary_place == bristol


def test_a_pin_is_kept(england, theme):
    initiative = make_initiative(
        "Solar farm", places=[england], themes=[theme], latitude=51.51, longitude=-2.66
    )
    assert (initiative.latitude, initiative.longitude) == (51.51, -2.66)
    assert not initiative.location_is_place_centre


def test_themes_have_two_levels_at_most(db):
    environment = make_theme("Environment")
    energy = make_theme("Community energy", parent=environment)
    solar = make_theme("Solar")
    solar.parent = energy
    with pytest.raises(ValidationError, match="Themes have two levels at most"):
        solar.full_clean()
    environment.parent = solar
    with pytest.raises(ValidationError, match="Themes have two levels at most"):
        environment.full_clean()

"""The demo data holds what the platform's source documents name, and loads idempotently."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communities.models import Organisation, Place
from initiatives.models import (
    Initiative,
    InitiativeOrganisation,
    InitiativePlace,
    InitiativeSource,
    Theme,
)

pytestmark = pytest.mark.django_db

MODELS = [
    Place,
    Organisation,
    Theme,
    Initiative,
    InitiativePlace,
    InitiativeOrganisation,
    InitiativeSource,
    Initiative.themes.through,
]


def snapshot():
    return {model.__name__: sorted(model.objects.values_list("pk", flat=True)) for model in MODELS}


def test_loading_twice_leaves_the_same_rows():
    call_command("load_demo_data", verbosity=0)
    first = snapshot()
    call_command("load_demo_data", verbosity=0)
    assert snapshot() == first
    assert Place.objects.find_problems() == ([], [], [], [], [])


def test_loading_again_writes_no_row_anywhere():
    """Not even history: a second run with nothing changed is read-only."""

    call_command("load_demo_data", verbosity=0)
    with CaptureQueriesContext(connection) as queries:
        call_command("load_demo_data", verbosity=0)
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert writes == []


def test_loading_again_brings_a_changed_row_back_and_records_it():
    call_command("load_demo_data", verbosity=0)
    initiative = Initiative.objects.get(slug="the-wigan-deal")
    summary, history = initiative.summary, initiative.history.count()
    Initiative.objects.filter(pk=initiative.pk).update(summary="Changed by hand")
    call_command("load_demo_data", verbosity=0)
    initiative.refresh_from_db()
    assert initiative.summary == summary
    assert initiative.history.count() == history + 1


def test_a_dry_run_saves_nothing():
    call_command("load_demo_data", "--dry-run", verbosity=0)
    assert not Place.objects.exists() and not Initiative.objects.exists()


def test_the_documents_named_initiatives_are_published_in_their_places():
    call_command("load_demo_data", verbosity=0)
    expected = {
        "lawrence-weston-community-solar-farm": "lawrence-weston",
        "winterton-apprenticeship-scheme": "winterton",
        "heston-west-youth-outreach": "heston-west",
        "ewanrigg-mental-health-training-education-and-advocacy": "ewanrigg",
        "the-wigan-deal": "wigan",
        "preston-community-wealth-building": "preston",
        "flatpack-democracy-frome": "frome",
        "stronger-things-2021": "united-kingdom",
    }
    for slug, place_slug in expected.items():
        initiative = Initiative.objects.published().get(slug=slug)
        assert initiative.primary_place.slug == place_slug
        assert initiative.has_location
        assert initiative.sources.exists(), f"{slug} cites no document"
        assert initiative.themes.exists()


def test_the_place_hierarchy_is_real():
    call_command("load_demo_data", verbosity=0)
    lawrence_weston = Place.objects.get(slug="lawrence-weston")
    assert [p.slug for p in Place.objects.get_ancestors(lawrence_weston)] == [
        "united-kingdom",
        "england",
        "south-west",
        "bristol",
    ]
    assert Place.objects.get(slug="bristol").gss_code == "E06000023"
    assert 51.4 < lawrence_weston.latitude < 51.6 and -2.8 < lawrence_weston.longitude < -2.5
    solar = Initiative.objects.get(slug="lawrence-weston-community-solar-farm")
    assert solar in Initiative.objects.in_place(Place.objects.get(slug="south-west"))


def test_the_documents_named_organisations_and_themes_are_there():
    call_command("load_demo_data", verbosity=0)
    names = set(Organisation.objects.values_list("name", flat=True))
    for name in [
        "Local Trust",
        "Localis",
        "New Local",
        "Localise West Midlands",
        "Power to Change",
        "Preston City Council",
        "Wigan Council",
    ]:
        assert name in names
    solar = Initiative.objects.get(slug="lawrence-weston-community-solar-farm")
    assert solar.themes.filter(slug="community-energy").exists()
    assert solar.initiative_organisations.filter(
        organisation__slug="ambition-lawrence-weston", role="lead"
    ).exists()


def test_every_initiative_cites_a_document_with_a_quote():
    call_command("load_demo_data", verbosity=0)
    for initiative in Initiative.objects.prefetch_related("sources"):
        sources = list(initiative.sources.all())
        assert sources, initiative
        for source in sources:
            assert source.reference.endswith(".txt") and source.quote and source.title

"""The "left behind" lens: each postcode's deprivation rank, in its nation's
own index, turned into deciles; places keep how many of their postcodes fall
in each, and initiatives the decile of where they are. Places outside the
data say so rather than guess."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from communities import deprivation
from communities.models import Place, Postcode
from initiatives.models import Initiative
from tests.factories import make_initiative

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "onspd_sample.csv"
ENGLAND, WALES, SCOTLAND, NI = "E92000001", "W92000004", "S92000003", "N92000002"


def import_sample():
    call_command("import_postcodes", str(SAMPLE), stdout=StringIO(), stderr=StringIO())


@pytest.fixture
def coded(places):
    """The places with the GSS codes the sample's postcodes carry (Bath
    keeps none: a place outside the data)."""
    codes = {"england": ENGLAND, "bristol": "E06000023", "lawrence-weston": "E05010886"}
    for slug, code in codes.items():
        Place.objects.filter(slug=slug).update(gss_code=code)
        places[slug].refresh_from_db()
    return places


@pytest.mark.parametrize(
    ("rank", "country", "expected"),
    [
        (1, ENGLAND, 1),
        (3284, ENGLAND, 1),
        (3285, ENGLAND, 2),
        (16422, ENGLAND, 5),
        (32844, ENGLAND, 10),
        (32845, ENGLAND, None),
        (190, WALES, 1),
        (191, WALES, 2),
        (1909, WALES, 10),
        (697, SCOTLAND, 1),
        (698, SCOTLAND, 2),
        (6976, SCOTLAND, 10),
        (89, NI, 1),
        (90, NI, 2),
        (890, NI, 10),
        (None, ENGLAND, None),
        (0, ENGLAND, None),
        (100, "L93000001", None),  # the Channel Islands have no index
        (100, "", None),
    ],
)
def test_a_rank_becomes_the_decile_of_its_nations_index(rank, country, expected):
    assert deprivation.decile(rank, country) == expected


def test_the_database_counts_deciles_as_python_does():
    ranks = {
        ENGLAND: [1, 3284, 3285, 32844, 32845],
        WALES: [190, 191, 1909],
        SCOTLAND: [697, 698],
        NI: [89, 90, 890],
    }
    now = timezone.now()
    for country, values in ranks.items():
        for n, rank in enumerate(values):
            Postcode.objects.create(
                postcode=f"{country[0]}{n} 1AA",
                outward="ZZ1",
                sector="ZZ1 1",
                latitude=51,
                longitude=-2,
                country_code=country,
                imd_rank=rank,
                imported_at=now,
            )
    rows = Postcode.objects.annotate(d=deprivation.decile_expression()).values_list(
        "imd_rank", "country_code", "d"
    )
    for rank, country, tenth in rows:
        assert tenth == deprivation.decile(rank, country), (rank, country)


def test_each_index_is_named_with_its_year():
    assert [index.title for index in deprivation.INDICES.values()] == [
        "English Indices of Deprivation 2019",
        "Welsh Index of Multiple Deprivation 2019",
        "Scottish Index of Multiple Deprivation 2020",
        "Northern Ireland Multiple Deprivation Measure 2017",
    ]


def test_the_import_counts_a_wards_and_a_councils_postcodes_by_decile(coded):
    import_sample()
    ward = Place.objects.get(slug="lawrence-weston").deprivation
    # Ranks 2374, 2374, 1872 and 3105 are in the first decile of 32,844;
    # 6120 twice in the second. The terminated BS11 0QX is not counted.
    assert ward == {"index": "england-2019", "deciles": [4, 2] + [0] * 8, "postcodes": 6}
    council = Place.objects.get(slug="bristol").deprivation
    # BS99 7AB, a PO box postcode, has no rank.
    assert council == ward
    nation = Place.objects.get(slug="england").deprivation
    assert nation["postcodes"] == 10
    assert nation["deciles"][6] == 1  # BA1 1LZ, rank 22310
    assert Place.objects.get(slug="bath").deprivation is None


def test_refresh_deprivation_runs_alone_says_what_it_did_and_has_a_dry_run(coded):
    import_sample()
    Place.objects.filter(slug="bath").update(gss_code="E06000022")
    out = StringIO()
    call_command("refresh_deprivation", "--dry-run", stdout=out)
    assert "4 places have deprivation data; 1 would change." in out.getvalue()
    assert Place.objects.get(slug="bath").deprivation is None
    call_command("refresh_deprivation", stdout=out)
    assert Place.objects.get(slug="bath").deprivation["deciles"][6] == 1
    # A code the postcodes no longer carry loses its counts: no stale guess.
    Postcode.objects.filter(local_authority_code="E06000022").delete()
    call_command("refresh_deprivation", stdout=out)
    assert Place.objects.get(slug="bath").deprivation is None


def test_the_place_page_shows_its_deciles_with_the_index_and_its_year(client, coded):
    import_sample()
    page = client.get(coded["bristol"].get_absolute_url()).content.decode()
    assert "How deprived are its neighbourhoods" in page
    assert "English Indices of Deprivation 2019" in page
    assert "100% of the 6 postcodes of Bristol are in the most deprived 20%" in page
    assert 'value="67"' in page and '67% <span class="deprivation__n">(4 postcodes)' in page
    assert '33% <span class="deprivation__n">(2 postcodes)' in page
    assert "most deprived 10%" in page and "least deprived 10%" in page
    assert "1 = the most deprived 10% of the 32,844 LSOAs" in page
    assert "No deprivation data" not in page


def test_a_place_outside_the_data_says_so(client, coded):
    import_sample()
    page = client.get(coded["bath"].get_absolute_url()).content.decode()
    assert "No deprivation data for this place." in page
    assert "Indices of Deprivation" not in page


def test_the_place_page_keeps_its_query_budget(client, coded, django_assert_max_num_queries):
    import_sample()
    with django_assert_max_num_queries(10):
        response = client.get(coded["bristol"].get_absolute_url())
    assert response.status_code == 200


def test_an_initiative_takes_the_decile_of_the_postcode_nearest_its_pin(coded, theme):
    import_sample()
    # Beside BS11 9AB (rank 6120: the second decile).
    pinned = make_initiative(
        "Orchard", places=[coded["bath"]], themes=[theme], latitude=51.4985, longitude=-2.6986
    )
    nowhere = make_initiative(
        "At sea", places=[coded["bath"]], themes=[theme], latitude=50.0, longitude=-6.0
    )
    pinned.refresh_from_db()
    nowhere.refresh_from_db()
    assert (pinned.deprivation_decile, pinned.deprivation_index) == (2, "england-2019")
    assert (nowhere.deprivation_decile, nowhere.deprivation_index) == (None, "")


def test_without_a_pin_it_takes_its_primary_places_median_and_follows_its_changes(coded, theme):
    initiative = make_initiative("Pantry", places=[coded["lawrence-weston"]], themes=[theme])
    initiative.refresh_from_db()
    assert initiative.deprivation_decile is None  # no postcodes yet
    import_sample()  # the import's refresh reaches the initiatives
    initiative.refresh_from_db()
    assert initiative.deprivation_decile == 1
    # A pin placed by the Welsh postcode moves it to the Welsh index.
    initiative.latitude, initiative.longitude = 51.47962, -3.17643
    initiative.location_is_place_centre = False
    initiative.save()
    initiative.refresh_from_db()
    assert (initiative.deprivation_decile, initiative.deprivation_index) == (6, "wales-2019")
    # Moved to a place outside the data, pin removed: unknown, not guessed.
    Initiative.objects.filter(pk=initiative.pk).update(latitude=None, longitude=None)
    link = initiative.initiative_places.get()
    link.place = coded["bath"]
    link.save()
    initiative.refresh_from_db()
    assert initiative.deprivation_decile is None

"""Postcodes come from the ONS Postcode Directory, imported offline, and
resolve to coordinates and codes: a full postcode to its own, an outward code
or a sector to the centroid of its postcodes."""

import csv
import inspect
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from communities import postcode_generator
from communities.management.commands import import_postcodes
from communities.models import Postcode
from communities.postcodes import is_set_up, looks_like_postcode, lookup, normalise

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "onspd_sample.csv"


def run(path, *args):
    out, err = StringIO(), StringIO()
    call_command("import_postcodes", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write_csv(path, header, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        for row in rows:
            writer.writerow({**dict.fromkeys(header, ""), **row})
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BS11 0QA", "BS11 0QA"),
        ("bs110qa", "BS11 0QA"),
        (" BS11 0QA ", "BS11 0QA"),
        ("bs11  0qa", "BS11 0QA"),
        ("BS11\t0QA", "BS11 0QA"),
        ("g11xq", "G1 1XQ"),
        ("W1A 1AA", "W1A 1AA"),
        ("ec1a1bb", "EC1A 1BB"),
        ("CF10 1EP", "CF10 1EP"),
        ("gir 0aa", "GIR 0AA"),
        ("", None),
        ("BS11", None),
        ("BS11 0", None),
        ("BS11 0Q", None),
        ("BS11 0QAA", None),
        ("QS11 0QA", None),  # no area starts with Q
        ("BS11 0CA", None),  # C is never in an inward code
        ("GIR 1AA", None),
        ("BS1 0AA", "BS1 0AA"),
        ("11BS 0QA", None),
        ("Bristol", None),
        ("BS11 0QA; DROP", None),
    ],
)
def test_a_postcode_is_normalised_whatever_its_case_and_spacing(text, expected):
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BS11 0QA", True),
        ("bs11", True),
        ("BS11 0", True),
        ("bs110", True),
        ("EC1A", True),
        ("Lawrence Weston", False),
        ("BS", False),
        ("12345", False),
    ],
)
def test_outward_codes_and_sectors_look_like_postcodes_too(text, expected):
    assert looks_like_postcode(text) is expected


@pytest.mark.django_db
class TestImport:
    def test_live_postcodes_with_coordinates_are_imported_and_the_rest_counted(self):
        assert not is_set_up()
        out, _err = run(SAMPLE)
        assert is_set_up()
        assert Postcode.objects.count() == 12
        assert "14 rows read" in out
        assert "12 new postcodes imported, 0 updated, 2 rows skipped" in out
        assert "terminated (doterm set): 1" in out
        assert "no coordinates (99.999999): 1" in out
        assert "rows/s" in out
        assert not Postcode.objects.filter(pk="BS11 0QX").exists()  # terminated
        assert not Postcode.objects.filter(pk="BS99 7AB").exists()  # no coordinates

    def test_codes_are_kept_and_onspds_none_codes_left_empty(self):
        run(SAMPLE)
        home = Postcode.objects.get(pk="BS11 0QA")
        assert (home.outward, home.sector) == ("BS11", "BS11 0")
        assert (home.latitude, home.longitude) == (51.49968, -2.67624)
        assert home.local_authority_code == "E06000023"
        assert home.ward_code == "E05010886"
        assert home.region_code == "E12000009"
        assert home.country_code == "E92000001"
        assert home.county_code == ""  # E99999999: Bristol is in no county
        assert home.imd_rank == 2374
        assert Postcode.objects.get(pk="PR1 2HE").county_code == "E10000017"
        glasgow = Postcode.objects.get(pk="G1 1XQ")
        assert (glasgow.country_code, glasgow.region_code, glasgow.parish_code) == (
            "S92000003",
            "",
            "",
        )
        assert glasgow.imd_rank == 3080  # Scotland's own index
        assert Postcode.objects.get(pk="CF10 1EP").imd_rank == 1033

    def test_importing_again_updates_rather_than_duplicates(self, tmp_path):
        run(SAMPLE)
        out, _err = run(SAMPLE)
        assert Postcode.objects.count() == 12
        assert "0 new postcodes imported, 12 updated" in out

        changed = tmp_path / "onspd.csv"
        text = SAMPLE.read_text(encoding="utf-8").replace("51.499680,-2.676240", "51.5,-2.6763")
        changed.write_text(text, encoding="utf-8")
        run(changed)
        home = Postcode.objects.get(pk="BS11 0QA")
        assert (home.latitude, home.longitude) == (51.5, -2.6763)
        assert Postcode.objects.count() == 12

    def test_replace_deletes_postcodes_the_new_file_no_longer_holds(self, tmp_path):
        run(SAMPLE)
        lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
        smaller = tmp_path / "onspd.csv"
        smaller.write_text("".join(line for line in lines if "G1 1XQ" not in line))
        run(smaller)
        assert Postcode.objects.filter(pk="G1 1XQ").exists()  # kept without --replace
        out, _err = run(smaller, "--replace")
        assert not Postcode.objects.filter(pk="G1 1XQ").exists()
        assert Postcode.objects.count() == 11
        assert "1 postcodes not in the file deleted" in out

    def test_a_dry_run_reads_and_counts_but_saves_nothing(self):
        out, _err = run(SAMPLE, "--dry-run")
        assert "12 new postcodes would be imported" in out
        assert "Dry run" in out
        assert not Postcode.objects.exists()

    def test_malformed_and_repeated_postcodes_are_skipped_with_their_reason(self, tmp_path):
        header = postcode_generator.HEADER
        good = {"lat": "51.5", "long": "-2.6", "ctry": "E92000001", "imd": "7"}
        path = write_csv(
            tmp_path / "odd.csv",
            header,
            [
                {"pcds": "BS11 0QA", **good},
                {"pcds": "bs11 0qa", **good},
                {"pcds": "NOT A CODE", **good},
                {"pcds": "BS11 0QB", "lat": "", "long": "", "imd": ""},
            ],
        )
        out, _err = run(path)
        assert Postcode.objects.count() == 1
        assert "not a postcode: 1" in out
        assert "repeated in the file: 1" in out
        assert "no coordinates (99.999999): 1" in out

    def test_a_file_with_a_byte_order_mark_and_the_2024_layout_is_read(self, tmp_path):
        # Since late 2024 ONSPD says cty, laua and ward and has no parish column.
        header = "pcd,pcd2,pcds,dointr,doterm,usertype,oa21,cty,ced,laua,ward,ctry,rgn,lat,long,imd"
        path = tmp_path / "new.csv"
        path.write_text(
            header + "\nBS110QA,BS11 0QA,BS11 0QA,198001,,0,E00073354,E99999999,E99999999,"
            "E06000023,E05010886,E92000001,E12000009,51.499680,-2.676240,2374\n",
            encoding="utf-8-sig",
        )
        run(path)
        home = Postcode.objects.get(pk="BS11 0QA")
        assert (home.local_authority_code, home.ward_code, home.parish_code) == (
            "E06000023",
            "E05010886",
            "",
        )

    def test_a_file_without_the_columns_names_the_missing_ones(self, tmp_path):
        path = write_csv(tmp_path / "other.csv", ["postcode", "lat", "long"], [])
        with pytest.raises(CommandError) as raised:
            run(path)
        message = str(raised.value)
        for name in ("pcds", "doterm", "imd", "oslaua or laua", "ctry"):
            assert name in message
        assert "lat," not in message

    def test_a_missing_file_is_a_clear_error(self, tmp_path):
        with pytest.raises(CommandError, match="No file at"):
            run(tmp_path / "nowhere.csv")

    def test_a_large_file_streams_through_in_batches(self, tmp_path):
        path = tmp_path / "big.csv"
        assert postcode_generator.write(path, 20_000, seed=3) == 20_000
        assert inspect.isgeneratorfunction(import_postcodes.read)
        out, err = run(path, "--batch-size", "3000", "--progress-every", "5000")
        rows = list(postcode_generator.rows(20_000, seed=3))
        terminated = sum(1 for row in rows if row["doterm"])
        live = sum(1 for row in rows if not row["doterm"] and row["lat"] != "99.999999")
        assert Postcode.objects.count() == live
        assert err.count("rows/s") == 4
        assert f"terminated (doterm set): {terminated:,}" in out


def test_the_generator_makes_the_same_file_for_the_same_seed(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    postcode_generator.write(first, 500, seed=5)
    postcode_generator.write(second, 500, seed=5)
    assert first.read_bytes() == second.read_bytes()
    rows = list(csv.DictReader(first.open(encoding="utf-8")))
    assert list(rows[0]) == postcode_generator.HEADER
    assert all(normalise(row["pcds"]) == row["pcds"] for row in rows)
    assert len({row["pcds"] for row in rows}) == 500


@pytest.mark.django_db
class TestLookup:
    @pytest.fixture(autouse=True)
    def imported(self):
        run(SAMPLE)

    def test_a_full_postcode_gives_its_coordinates_and_codes(self):
        found = lookup("bs110qa")
        assert found.kind == "postcode" and found.query == "BS11 0QA"
        assert (found.latitude, found.longitude) == (51.49968, -2.67624)
        assert found.ward_code == "E05010886" and found.imd_rank == 2374

    def test_a_sector_gives_the_centroid_of_its_postcodes_in_one_query(
        self, django_assert_num_queries
    ):
        with django_assert_num_queries(1):
            found = lookup("bs11 0")
        assert found.kind == "sector" and found.count == 4
        assert found.latitude == pytest.approx((51.49968 + 51.50012 + 51.50231 + 51.49786) / 4)
        assert found.longitude == pytest.approx((-2.67624 - 2.67498 - 2.6688 - 2.66395) / 4)
        assert found.ward_code == ""

    def test_an_outward_code_gives_the_centroid_of_all_its_sectors(self):
        found = lookup("BS11")
        assert found.kind == "outward" and found.count == 6
        assert 51.49 < found.latitude < 51.51 and -2.70 < found.longitude < -2.66

    def test_unknown_postcodes_and_other_text_find_nothing(self):
        assert lookup("BS11 0QX") is None  # terminated, so never imported
        assert lookup("BS12") is None
        assert lookup("Lawrence Weston") is None


def plan(sql, params):
    with connection.cursor() as cursor:
        prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        cursor.execute(prefix + sql, params)
        return " ".join(str(part) for row in cursor.fetchall() for part in row)


@pytest.mark.sqlite
@pytest.mark.django_db
def test_the_lookups_use_an_index_on_sqlite(tmp_path):
    run(SAMPLE)
    for kind, value in (("pk", "BS11 0QA"), ("sector", "BS11 0"), ("outward", "BS11")):
        sql, params = (
            Postcode.objects.filter(**{kind: value}).values("latitude").query.sql_with_params()
        )
        assert "USING INDEX" in plan(sql, params) or "USING PRIMARY KEY" in plan(sql, params)


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_lookups_use_an_index_on_postgresql(tmp_path):
    path = tmp_path / "big.csv"
    postcode_generator.write(path, 20_000)
    run(path)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE communities_postcode")
    for kind, value in (("pk", "BS1 0AB"), ("sector", "BS1 0"), ("outward", "WN2")):
        sql, params = (
            Postcode.objects.filter(**{kind: value}).values("latitude").query.sql_with_params()
        )
        assert "Seq Scan" not in plan(sql, params), kind

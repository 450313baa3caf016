"""Add N synthetic published initiatives, for benchmarks and load tests.

They are spread over a generated hierarchy of a few hundred places under the
English regions (some places busy, most quiet, as in real life), over the
themes, and over a few hundred generated organisations. Rows go in with bulk
inserts, so 100,000 initiatives take well under a minute on PostgreSQL.
"""

import random
from datetime import timedelta
from itertools import accumulate

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from psycopg2.extras import execute_values

from communities.models import Organisation, Place
from communities.services import place_create, places_bulk_add
from initiatives.browse import tallies
from initiatives.catalogue.search import VECTOR_SQL, refresh_search_vectors
from initiatives.models import (
    Initiative,
    InitiativeOrganisation,
    InitiativePlace,
    Theme,
)

# English regions and their approximate centres: the roots of the generated places.
REGIONS = [
    ("North East", 55.0, -1.9),
    ("North West", 54.0, -2.6),
    ("Yorkshire and The Humber", 53.9, -1.3),
    ("East Midlands", 52.9, -0.9),
    ("West Midlands", 52.5, -2.2),
    ("East of England", 52.3, 0.4),
    ("London", 51.5, -0.12),
    ("South East", 51.3, -0.6),
    ("South West", 50.9, -3.2),
]
AUTHORITIES_PER_REGION = 5
TOWNS_PER_AUTHORITY = 3
NEIGHBOURHOODS_PER_TOWN = 3
GENERATED_ORGANISATIONS = 300
BATCH = 5000

PREFIXES = [
    "Ash",
    "Brook",
    "Elm",
    "Fern",
    "Green",
    "Hazel",
    "Kings",
    "Lark",
    "Mill",
    "Oak",
    "Red",
    "Stone",
    "Thorn",
    "Wil",
    "Bram",
    "Cold",
    "Marsh",
    "Haw",
    "Fox",
    "Wood",
]
SUFFIXES = ["bury", "field", "ford", "ham", "ley", "mere", "stead", "ton", "wick", "worth"]
WHAT = [
    "Community fridge",
    "Repair café",
    "Food bank",
    "Youth club",
    "Men's shed",
    "Community garden",
    "Energy co-operative",
    "Walking group",
    "Lunch club",
    "Digital skills drop-in",
    "Tool library",
    "Community pub",
    "Credit union branch",
    "Litter-picking group",
    "Mental health peer support",
    "Apprenticeship scheme",
    "Community library",
    "Playground campaign",
    "Befriending service",
    "Market revival",
]
SENTENCES = [
    "Volunteers run it every week from a building the council handed over.",
    "Residents chose what it should do at a series of open meetings.",
    "It started during lockdown and kept going when restrictions ended.",
    "Local businesses donate space, food and equipment.",
    "Young people sit on the steering group and run the sessions.",
    "It is funded by small grants and a community share offer.",
    "Anyone can drop in; there is no referral or fee.",
    "The group trains new volunteers every season.",
]
ORG_KINDS = [
    (Organisation.Kind.COMMUNITY_GROUP, 40),
    (Organisation.Kind.CHARITY, 25),
    (Organisation.Kind.COUNCIL, 10),
    (Organisation.Kind.COMMUNITY_BUSINESS, 12),
    (Organisation.Kind.FUNDER, 5),
    (Organisation.Kind.SCHOOL, 5),
    (Organisation.Kind.PUBLIC_BODY, 3),
]
STATUSES = [("active", 70), ("planned", 8), ("paused", 7), ("ended", 15)]
ROLES = [("lead", 60), ("partner", 25), ("funder", 10), ("supporter", 5)]


def _weighted(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def _picker(rng, values, weights):
    """A fast weighted choice: the cumulative weights are summed once."""
    cumulative = list(accumulate(weights))
    return lambda: rng.choices(values, cum_weights=cumulative)[0]


def _insert(model, columns, rows):
    """Insert plain tuples: link rows need no model instances, and skipping
    them makes the bulk load several times faster."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"INSERT INTO {table} ({names}) VALUES %s"  # noqa: S608 (names from the model)
            execute_values(cursor, sql, rows, page_size=BATCH)
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(sql, rows)


def _insert_initiatives(rows, texts):
    """Insert initiatives, returning their ids in order. On PostgreSQL the
    search vector is computed by the insert itself from `texts` (title,
    summary, body, names), which saves a second pass over every row."""
    if connection.vendor != "postgresql":
        return [obj.pk for obj in Initiative.objects.bulk_create(rows, batch_size=BATCH)]

    fields = [
        f
        for f in Initiative._meta.concrete_fields
        if not f.primary_key and f.name != "search_vector"
    ]
    values = [
        (*(f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields), *text)
        for obj, text in zip(rows, texts, strict=True)
    ]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    vector = VECTOR_SQL.format(title="%s", summary="%s", body="%s", names="%s")
    template = f"({', '.join(['%s'] * len(fields))}, {vector})"
    table = connection.ops.quote_name(Initiative._meta.db_table)
    sql = f"INSERT INTO {table} ({columns}, search_vector) VALUES %s RETURNING id"  # noqa: S608
    with connection.cursor() as cursor:
        returned = execute_values(
            cursor, sql, values, template=template, page_size=BATCH, fetch=True
        )
    return [row[0] for row in returned]


class Command(BaseCommand):
    help = "Add N synthetic published initiatives (for benchmarks), with bulk inserts."

    def add_arguments(self, parser):
        parser.add_argument("count", type=int)
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")

    def handle(self, *args, count, seed, verbosity, **options):
        if count < 1:
            raise CommandError("Give a positive number of initiatives.")
        rng = random.Random(seed)  # noqa: S311 (synthetic data, not secrets)
        started = timezone.now()
        with transaction.atomic():
            places = self.ensure_places(rng)
            themes = self.ensure_themes()
            organisations = self.ensure_organisations(rng, places)
            self.create_initiatives(rng, count, places, themes, organisations, verbosity)
        if connection.vendor == "postgresql":
            # Fresh statistics for the planner: without them it takes the
            # tables for nearly empty and picks nested loops that take
            # seconds on 100,000 rows (autovacuum would get there, later).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        seconds = (timezone.now() - started).total_seconds()
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(f"Added {count} published initiatives in {seconds:.1f} s.")
            )

    def name(self, rng, used):
        while True:
            candidate = rng.choice(PREFIXES) + rng.choice(SUFFIXES)
            if candidate not in used:
                used.add(candidate)
                return candidate
            candidate = f"{candidate} {rng.choice(['Green', 'Vale', 'Heath', 'End', 'Park'])}"
            if candidate not in used:
                used.add(candidate)
                return candidate

    def ensure_places(self, rng):
        """The generated hierarchy, made once: later runs reuse it."""
        england = Place.objects.filter(slug="england").first()
        if england is None:
            uk = Place.objects.filter(slug="united-kingdom").first() or place_create(
                name="United Kingdom", kind=Place.Kind.COUNTRY, latitude=54.0, longitude=-2.5
            )
            england = place_create(
                name="England",
                kind=Place.Kind.COUNTRY,
                parent=uk,
                latitude=52.36,
                longitude=-1.17,
            )
        regions = []
        for name, lat, lng in REGIONS:
            region = Place.objects.filter(slug=slugify(name)).first() or place_create(
                name=name, kind=Place.Kind.REGION, parent=england, latitude=lat, longitude=lng
            )
            regions.append(region)
        generated = Place.objects.filter(slug__startswith="gen-")
        if not generated.exists():
            used = set()
            for region in regions:
                for _ in range(AUTHORITIES_PER_REGION):
                    self.generate_branch(rng, region, used)
        # Initiatives go mostly to neighbourhoods and towns; a Zipf-like
        # weight makes a few places busy and most quiet.
        leaves = list(generated.order_by("path"))
        weights = [1 / (1 + i % 37) for i in range(len(leaves))]
        return leaves, weights

    def generate_branch(self, rng, region, used):
        """A local authority with its towns and neighbourhoods, mostly in bulk."""

        def near(place, spread, kind):
            name = self.name(rng, used)
            return Place(
                name=name,
                slug=f"gen-{slugify(name)}",
                kind=kind,
                latitude=round(place.latitude + rng.uniform(-spread, spread), 5),
                longitude=round(place.longitude + rng.uniform(-spread * 1.6, spread * 1.6), 5),
            )

        authority = near(region, 0.6, Place.Kind.LOCAL_AUTHORITY)
        authority = place_create(
            name=authority.name,
            slug=authority.slug,
            kind=authority.kind,
            parent=region,
            latitude=authority.latitude,
            longitude=authority.longitude,
        )
        towns = places_bulk_add(
            authority, [near(authority, 0.15, Place.Kind.TOWN) for _ in range(TOWNS_PER_AUTHORITY)]
        )
        for town in towns:
            places_bulk_add(
                town,
                [
                    near(town, 0.03, Place.Kind.NEIGHBOURHOOD)
                    for _ in range(NEIGHBOURHOODS_PER_TOWN)
                ],
            )

    def ensure_themes(self):
        themes = list(Theme.objects.all())
        if themes:
            return themes
        names = [
            "Food",
            "Energy",
            "Young people",
            "Health and wellbeing",
            "Local economy",
            "Arts and culture",
            "Environment",
            "Local democracy",
        ]
        return Theme.objects.bulk_create(Theme(name=n, slug=slugify(n)) for n in names)

    def ensure_organisations(self, rng, places):
        existing = list(Organisation.objects.filter(slug__startswith="gen-org-"))
        if existing:
            return existing
        leaves, _ = places
        used = set()
        organisations = []
        for i in range(GENERATED_ORGANISATIONS):
            kind = _weighted(rng, ORG_KINDS)
            name = f"{self.name(rng, used)} {Organisation.Kind(kind).label}"
            organisations.append(
                Organisation(name=name, slug=f"gen-org-{i + 1}-{slugify(name)}", kind=kind)
            )
        organisations = Organisation.objects.bulk_create(organisations)
        through = Organisation.places.through
        through.objects.bulk_create(
            through(organisation_id=o.pk, place_id=rng.choice(leaves).pk) for o in organisations
        )
        return organisations

    def create_initiatives(self, rng, count, places, themes, organisations, verbosity):
        leaves, weights = places
        pick_place = _picker(rng, leaves, weights)
        pick_status = _picker(rng, *zip(*STATUSES, strict=True))
        pick_role = _picker(rng, *zip(*ROLES, strict=True))
        parents = {p.path: p for p in Place.objects.filter(depth__gte=3)}
        now = timezone.now()
        next_number = (Initiative.objects.aggregate(n=Max("pk"))["n"] or 0) + 1
        theme_link = Initiative.themes.through
        for start in range(0, count, BATCH):
            size = min(BATCH, count - start)
            rows, texts, links = [], [], []
            for i in range(size):
                place = pick_place()
                parent = parents.get(place.path[: -Place.steplen])
                served = [place, parent] if parent is not None and rng.random() < 0.15 else [place]
                row_themes = rng.sample(themes, k=min(len(themes), rng.choice([1, 1, 2, 2, 3])))
                row_orgs = rng.sample(organisations, k=rng.choice([0, 1, 1, 2]))
                what = rng.choice(WHAT)
                title = f"{what} in {place.name}"
                summary = f"{what} run by and for people in {place.name}."
                description = " ".join(rng.sample(SENTENCES, 3))
                how_to_adapt = " ".join(rng.sample(SENTENCES, 2))
                published = now - timedelta(minutes=rng.randint(0, 5 * 365 * 24 * 60))
                names = [x.name for x in (*served, *row_themes, *row_orgs)]
                rows.append(
                    Initiative(
                        title=title,
                        slug=f"{slugify(title)}-{next_number + start + i}",
                        summary=summary,
                        description=description,
                        how_to_adapt=how_to_adapt,
                        activity_status=pick_status(),
                        start_date=(published - timedelta(days=rng.randint(0, 900))).date(),
                        latitude=round(place.latitude + rng.uniform(-0.01, 0.01), 6),
                        longitude=round(place.longitude + rng.uniform(-0.015, 0.015), 6),
                        location_is_place_centre=False,
                        moderation_state=Initiative.State.PUBLISHED,
                        featured=rng.random() < 0.001,
                        published_at=published,
                    )
                )
                texts.append((title, summary, f"{description} {how_to_adapt}", " ".join(names)))
                links.append((served, row_themes, row_orgs))
            ids = _insert_initiatives(rows, texts)
            place_links, theme_links, org_links = [], [], []
            for pk, (served, row_themes, row_orgs) in zip(ids, links, strict=True):
                place_links += [(pk, p.pk, n == 0) for n, p in enumerate(served)]
                theme_links += [(pk, theme.pk) for theme in row_themes]
                org_links += [(pk, org.pk, pick_role()) for org in row_orgs]
            _insert(InitiativePlace, ["initiative_id", "place_id", "is_primary"], place_links)
            _insert(theme_link, ["initiative_id", "theme_id"], theme_links)
            _insert(InitiativeOrganisation, ["initiative_id", "organisation_id", "role"], org_links)
            tallies.refresh(ids)  # bulk inserts send no signals
            if connection.vendor != "postgresql":
                refresh_search_vectors(ids)  # (PostgreSQL's insert wrote the vectors)
            if verbosity >= 2:
                self.stdout.write(f"  {start + size} / {count}")

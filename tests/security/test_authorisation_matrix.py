"""Who may use every address of the site, and what each person sees there.

The matrix walks the whole URLconf (the admin, the API, allauth, the
sitemap, everything): an address missing from EXPECTED fails the test by
name, so a new page cannot go out without someone deciding who may open it.
Each address is asked for with GET and with POST by every persona, and
each answer is searched for private details planted in the world below (a
submitter's email, an unpublished initiative's title, another resident's
draft...), which only the people named beside them may ever see.
"""

from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from types import SimpleNamespace

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from accounts.models import OutgoingEmail
from communities.models import PlaceBoundary
from communities.services import membership_decide, membership_request
from initiatives.models import (
    Alert,
    Collection,
    CollectionItem,
    Initiative,
    InitiativeRevision,
    ModerationDecision,
    ProposedOrganisation,
    ProposedPlace,
    Report,
)
from initiatives.opendata import openreferral
from initiatives.submissions.entries import live_entry_data
from tests.factories import make_initiative, make_organisation, make_place, make_theme
from tests.submission_forms import staff_member, verified_user, with_second_factor

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-password-1"
State = Initiative.State

ANONYMOUS = "anonymous"
UNVERIFIED = "unverified"  # signed up, email address not confirmed
RESIDENT = "resident"  # confirmed; submitted the initiatives in the world
NEIGHBOUR = "neighbour"  # another confirmed resident, owner of nothing in a URL
MEMBER = "member"  # an approved member of an organisation
MODERATOR = "moderator"
CURATOR = "curator"
SUPERUSER = "superuser"
PERSONAS = (ANONYMOUS, UNVERIFIED, RESIDENT, NEIGHBOUR, MEMBER, MODERATOR, CURATOR, SUPERUSER)
NOT_STAFF = (ANONYMOUS, UNVERIFIED, RESIDENT, NEIGHBOUR, MEMBER)

# What an answer should be: a status, or a redirect to a sign-in page.
LOGIN = "302 to sign in"
ADMIN_LOGIN = "302 to the admin's sign in"

# Private details planted in the world, and who may see each. Plain ASCII,
# so that HTML and JSON escaping cannot hide one from the search.
DRAFT = "Lockleaze seed swap draft"
PENDING = "Hartcliffe tool library waiting"
NEIGHBOURS_DRAFT = "Avonmouth repair cafe draft"
PROPOSED_EDIT = "Solar farm with battery storage"
PROPOSED_PLACE = "Sea Mills allotments"
PROPOSED_ORGANISATION = "Sea Mills Growers Society"
CONTACT_EMAIL = "solar-contact@example.org"
CONTACT_PHONE = "07700 900123"
DECISION_MESSAGE = "Please say when it is open"
INTERNAL_NOTE = "Checked with the council officer"
REPORT_DETAILS = "The opening hours are from last year"
REPORTER_EMAIL = "reporter@example.org"
FOLLOWER_EMAIL = "follower@example.org"
PRIVATE_COLLECTION = "Ideas we are still weighing"
MEMBERSHIP_NOTE = "I keep the minutes of the board"
# The area an initiative serves (the draft's too).
AREA = {
    "type": "Polygon",
    "coordinates": [[[-2.69, 51.5], [-2.66, 51.5], [-2.66, 51.51], [-2.69, 51.5]]],
}

EMAILS = {persona: f"{persona}@example.org" for persona in PERSONAS if persona != ANONYMOUS}

SECRETS = {
    DRAFT: {RESIDENT, MODERATOR, CURATOR, SUPERUSER},
    PENDING: {RESIDENT, MODERATOR, CURATOR, SUPERUSER},
    NEIGHBOURS_DRAFT: {NEIGHBOUR, MODERATOR, CURATOR, SUPERUSER},
    PROPOSED_EDIT: {RESIDENT, MODERATOR, SUPERUSER},
    PROPOSED_PLACE: {RESIDENT, MODERATOR, SUPERUSER},
    PROPOSED_ORGANISATION: {RESIDENT, MODERATOR, SUPERUSER},
    # Given without consent to show it: the submitter and staff only.
    CONTACT_EMAIL: {RESIDENT, MODERATOR, CURATOR, SUPERUSER},
    CONTACT_PHONE: {RESIDENT, MODERATOR, CURATOR, SUPERUSER},
    DECISION_MESSAGE: {RESIDENT, MODERATOR, SUPERUSER},
    INTERNAL_NOTE: {MODERATOR, SUPERUSER},
    REPORT_DETAILS: {MODERATOR, SUPERUSER},
    # Only for telling the reporter the outcome: shown to nobody at all.
    REPORTER_EMAIL: set(),
    FOLLOWER_EMAIL: {SUPERUSER},
    PRIVATE_COLLECTION: {CURATOR, SUPERUSER},
    MEMBERSHIP_NOTE: {MEMBER, MODERATOR, SUPERUSER},
    # People's addresses: their own, and staff where their work needs them
    # (the submitter of what they moderate or edit, who asks to join).
    EMAILS[UNVERIFIED]: {UNVERIFIED, SUPERUSER},
    EMAILS[RESIDENT]: {RESIDENT, MODERATOR, CURATOR, SUPERUSER},
    EMAILS[NEIGHBOUR]: {NEIGHBOUR, MODERATOR, CURATOR, SUPERUSER},
    EMAILS[MEMBER]: {MEMBER, MODERATOR, SUPERUSER},
    EMAILS[MODERATOR]: {MODERATOR, SUPERUSER},
    EMAILS[CURATOR]: {CURATOR, SUPERUSER},
    # Who decided a membership request, shown to the moderators who review them.
    EMAILS[SUPERUSER]: {MODERATOR, SUPERUSER},
}


# The world ----------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One world for the whole module, built once in a transaction that is
    rolled back at the end; each request runs in a savepoint of its own."""
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            built = _build_world()
        yield built
        transaction.set_rollback(True)


def _build_world():
    england = make_place("England", kind="country", latitude=52.36, longitude=-1.17)
    theme = make_theme("Community energy")
    organisation = make_organisation("Lawrence Weston Community Energy")

    User = get_user_model()
    unverified = User.objects.create_user(EMAILS[UNVERIFIED], PASSWORD)
    EmailAddress.objects.create(user=unverified, email=unverified.email, primary=True)
    # Staff have a second factor (staff_member gives them one), or their pages
    # would send them to set one up.
    superuser = with_second_factor(User.objects.create_superuser(EMAILS[SUPERUSER], PASSWORD))
    # createsuperuser's address comes confirmed (accounts.models.UserManager).
    users = {
        UNVERIFIED: unverified,
        RESIDENT: verified_user(EMAILS[RESIDENT], PASSWORD),
        NEIGHBOUR: verified_user(EMAILS[NEIGHBOUR], PASSWORD),
        MEMBER: verified_user(EMAILS[MEMBER], PASSWORD),
        MODERATOR: staff_member(EMAILS[MODERATOR], "Moderators"),
        CURATOR: staff_member(EMAILS[CURATOR], "Curators"),
        SUPERUSER: superuser,
    }
    resident = users[RESIDENT]
    membership = membership_request(
        user=users[MEMBER],
        organisation=organisation,
        job_title="Secretary",
        message=MEMBERSHIP_NOTE,
    )
    membership_decide(membership, approve=True, decided_by=superuser)

    def initiative(title, state, submitted_by=resident, **fields):
        return make_initiative(
            title,
            places=[england],
            themes=[theme],
            state=state,
            submitted_by=submitted_by,
            **fields,
        )

    PlaceBoundary.objects.create(
        place=england,
        geometry={"type": "Polygon", "coordinates": [[[-6, 50], [2, 50], [2, 56], [-6, 50]]]},
        min_lat=50,
        min_lng=-6,
        max_lat=56,
        max_lng=2,
        area_km2=130_000,
        imported_at=timezone.now(),
    )
    published = initiative(
        "Community solar farm",
        State.PUBLISHED,
        served_area=AREA,
        organisations=[(organisation, "lead")],
        contact_name="Sam",
        contact_email=CONTACT_EMAIL,
        contact_phone=CONTACT_PHONE,
        contact_consent=False,
    )
    draft = initiative(DRAFT, State.DRAFT, served_area=AREA)
    pending = initiative(PENDING, State.PENDING)
    neighbours_draft = initiative(NEIGHBOURS_DRAFT, State.DRAFT, submitted_by=users[NEIGHBOUR])
    revision = InitiativeRevision.objects.create(
        initiative=published,
        proposed_by=resident,
        data={**live_entry_data(published), "title": PROPOSED_EDIT},
    )
    # Sent back for changes once, and sent again.
    decision = ModerationDecision.objects.create(
        initiative=pending,
        moderator=users[MODERATOR],
        from_state=State.PENDING,
        to_state=State.CHANGES_REQUESTED,
        message=DECISION_MESSAGE,
        internal_note=INTERNAL_NOTE,
    )
    proposed_place = ProposedPlace.objects.create(
        initiative=pending, name=PROPOSED_PLACE, within=england, proposed_by=resident
    )
    proposed_organisation = ProposedOrganisation.objects.create(
        initiative=pending, name=PROPOSED_ORGANISATION, proposed_by=resident
    )
    report = Report.objects.create(
        initiative=published,
        reason=Report.Reason.WRONG,
        details=REPORT_DETAILS,
        email=REPORTER_EMAIL,
    )
    alert = Alert.objects.create(email=FOLLOWER_EMAIL, place=england)
    # An email that failed for good, to addresses that only the background
    # work page could show (it shows none), named in its error too.
    failed_email = OutgoingEmail.objects.create(
        to=[FOLLOWER_EMAIL, REPORTER_EMAIL],
        subject="New initiatives in England",
        body="-",
        kind="alert_digest",
        attempts=12,
        last_error=f"Refused by the mail server: {{'{FOLLOWER_EMAIL}': (550, b'No such user')}}",
        failed_at=timezone.now(),
    )
    public_collection = Collection.objects.create(title="Energy projects", slug="energy-projects")
    CollectionItem.objects.create(collection=public_collection, initiative=published)
    private_collection = Collection.objects.create(
        title=PRIVATE_COLLECTION, slug="still-weighing", is_public=False
    )

    sessions = {}
    for persona, user in users.items():
        client = Client()
        client.force_login(user)
        sessions[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return SimpleNamespace(
        users=users,
        sessions=sessions,
        england=england,
        theme=theme,
        organisation=organisation,
        membership=membership,
        published=published,
        draft=draft,
        pending=pending,
        neighbours_draft=neighbours_draft,
        revision=revision,
        decision=decision,
        proposed_place=proposed_place,
        proposed_organisation=proposed_organisation,
        report=report,
        alert=alert,
        failed_email=failed_email,
        public_collection=public_collection,
        private_collection=private_collection,
        moderators=Group.objects.get(name="Moderators"),
        email_address=EmailAddress.objects.get(user=resident),
    )


# The expectations ---------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One address to ask for, and the answer each persona should get."""

    get: dict
    post: dict
    # The pattern's arguments, from the world; or, for a pattern without a
    # name, the whole path.
    args: Callable = lambda w: ()
    path: Callable | None = None
    query: str = ""
    about: str = ""


def each(default, **personas):
    unknown = set(personas) - set(PERSONAS)
    assert not unknown, unknown
    return {persona: personas.get(persona, default) for persona in PERSONAS}


def public(get=200, post=405, **kwargs):
    """Anybody, signed in or not."""
    return [Case(each(get), each(post), **kwargs)]


def signed_in(get=200, post=405, **kwargs):
    """Anybody signed in; anonymous visitors are sent to sign in."""
    return [Case(each(get, anonymous=LOGIN), each(post, anonymous=LOGIN), **kwargs)]


def submitter_only(get, post, others=404, others_post=None, **kwargs):
    """The resident who submitted it; to anyone else, signed in, it does not
    exist (staff too: these are the submitter's own pages)."""
    return [
        Case(
            each(others, anonymous=LOGIN, resident=get),
            each(others if others_post is None else others_post, anonymous=LOGIN, resident=post),
            **kwargs,
        )
    ]


def staff_role(role, get, post, **kwargs):
    """Moderators' or curators' pages (and the superuser's, who holds every
    permission); anyone else signed in is refused."""
    return Case(
        each(403, anonymous=LOGIN, superuser=get, **{role: get}),
        each(403, anonymous=LOGIN, superuser=post, **{role: post}),
        **kwargs,
    )


def moderators(get=200, post=405, **kwargs):
    return [staff_role(MODERATOR, get, post, **kwargs)]


def curators(get=200, post=405, **kwargs):
    return [staff_role(CURATOR, get, post, **kwargs)]


def slug_of(name):
    return lambda w: (getattr(w, name).slug,)


def pk_of(name):
    return lambda w: (getattr(w, name).pk,)


def uuid_of(name):
    return lambda w: (str(getattr(w, name).uuid),)


def _public_pages():
    return {
        "initiatives:home": public(),
        "initiatives:list": [
            *public(),
            # A search finds only what is published, whoever searches.
            *public(query="?q=Lockleaze", about="a search for a draft's words"),
        ],
        "initiatives:export-csv": public(),
        "initiatives:detail": [
            *public(args=slug_of("published"), about="published"),
            *public(404, args=slug_of("draft"), about="a draft"),
            *public(404, args=slug_of("pending"), about="waiting for moderation"),
        ],
        "initiatives:report": [
            *public(200, 400, args=slug_of("published"), about="published"),
            *public(404, 404, args=slug_of("draft"), about="a draft"),
        ],
        # Django's feed views answer any method; they only read.
        "initiatives:feed-rss": public(post=200),
        "initiatives:feed-atom": public(post=200),
        "initiatives:place-feed-rss": public(post=200, args=slug_of("england")),
        "initiatives:place-feed-atom": public(post=200, args=slug_of("england")),
        "initiatives:theme-feed-rss": public(post=200, args=slug_of("theme")),
        "initiatives:theme-feed-atom": public(post=200, args=slug_of("theme")),
        "initiatives:organisation-feed-rss": public(post=200, args=slug_of("organisation")),
        "initiatives:organisation-feed-atom": public(post=200, args=slug_of("organisation")),
        "initiatives:robots": public(),
        "initiatives:place-index": public(),
        "initiatives:place-detail": public(args=slug_of("england")),
        "communities:place-boundary": [
            *public(args=slug_of("england"), about="a place with a boundary"),
            *public(404, 405, args=slug_of("theme"), about="no such place"),
        ],
        # Which place holds a pin: a question about places, which are public.
        "communities:place-containing": [
            *public(400, 405, about="without a point"),
            *public(query="?lat=52&lng=-1", about="a point"),
        ],
        "initiatives:theme-index": public(),
        "initiatives:theme-detail": public(args=slug_of("theme")),
        "initiatives:organisation-index": public(),
        "initiatives:organisation-detail": public(args=slug_of("organisation")),
        "initiatives:map": public(),
        "initiatives:geojson": public(),
        "initiatives:area-geojson": [
            *public(args=slug_of("published"), about="published"),
            *public(404, 405, args=slug_of("draft"), about="a draft"),
        ],
        "initiatives:accessibility": public(),
        "initiatives:privacy": public(),
        "initiatives:open-data": public(),
        "initiatives:embed-map": public(),
        "initiatives:collection-index": public(),
        "initiatives:collection-detail": [
            *public(args=slug_of("public_collection"), about="public"),
            Case(
                each(404, curator=200, superuser=200),
                each(405),
                args=slug_of("private_collection"),
                about="private",
            ),
        ],
        # Following is a form on each place's page: without one named, a GET
        # is sent to the list of places.
        "initiatives:alert-follow": public(302, 400),
        # The token in the link is the secret: whoever holds it, signed in or
        # not, confirms or unsubscribes (the POST without "One-Click" is refused).
        "initiatives:alert-confirm": public(200, 302, args=lambda w: (w.alert.token,)),
        "initiatives:alert-unsubscribe": public(200, 400, args=lambda w: (w.alert.token,)),
        # Django's sitemap view answers any method; it only reads.
        "sitemap": public(post=200),
    }


def _open_data():
    return {
        "initiatives:openreferral": public(),
        "initiatives:or-services": public(),
        "initiatives:or-service": [
            *public(args=uuid_of("published"), about="published"),
            *public(404, args=uuid_of("draft"), about="a draft"),
        ],
        "initiatives:or-service-at-locations": public(),
        "initiatives:or-service-at-location": public(
            args=lambda w: (str(openreferral.flip_service_at_location_id(w.published.uuid)),)
        ),
        "initiatives:or-organizations": public(),
        "initiatives:or-organization": public(args=uuid_of("organisation")),
        "initiatives:or-taxonomies": public(),
        "initiatives:or-taxonomy": public(args=lambda w: (str(openreferral.TAXONOMY_ID),)),
        "initiatives:or-taxonomy-terms": public(),
        "initiatives:or-taxonomy-term": public(args=uuid_of("theme")),
        "api:api-root": public(),
        "api:schema": public(),
        "api:docs": public(),
        "api:initiative-list": [
            *public(),
            *public(query="?q=Lockleaze", about="a search for a draft's words"),
        ],
        "api:initiative-detail": [
            *public(args=slug_of("published"), about="published"),
            *public(404, args=slug_of("draft"), about="a draft"),
        ],
        "api:place-list": public(),
        "api:place-detail": public(args=slug_of("england")),
        "api:organisation-list": public(),
        "api:organisation-detail": public(args=slug_of("organisation")),
        "api:theme-list": public(),
        "api:theme-detail": public(args=slug_of("theme")),
        "api:collection-list": public(),
        "api:collection-detail": [
            *public(args=slug_of("public_collection"), about="public"),
            # The API is open data: even curators find no private collection there.
            *public(404, args=slug_of("private_collection"), about="private"),
        ],
    }


def _residents_pages():
    return {
        "initiatives:submit": [
            Case(
                each(200, anonymous=LOGIN, unverified=403),
                each(400, anonymous=LOGIN, unverified=403),
            )
        ],
        # Sending the draft to moderation redirects to "done".
        "initiatives:submit-review": submitter_only(200, 302, args=pk_of("draft")),
        "initiatives:submit-done": submitter_only(200, 405, others_post=405, args=pk_of("pending")),
        "initiatives:submission-edit": [
            *submitter_only(200, 400, args=pk_of("published"), about="published, edit open"),
            *submitter_only(200, 400, args=pk_of("draft"), about="a draft"),
        ],
        "initiatives:my-submissions": signed_in(),
        "initiatives:account-data": signed_in(),
        "initiatives:account-delete": signed_in(200, 400),
        # An empty choice (every box unticked) is a valid one: saved, redirect.
        "accounts:notifications": signed_in(200, 302),
        "communities:memberships": signed_in(200, 400),
    }


def _staff_pages():
    return {
        "initiatives:moderation-queue": moderators(),
        "initiatives:moderation-initiative": [
            *moderators(200, 400, args=pk_of("pending"), about="waiting"),
            *moderators(200, 400, args=pk_of("neighbours_draft"), about="another's draft"),
        ],
        "initiatives:moderation-revision": moderators(200, 400, args=pk_of("revision")),
        "initiatives:moderation-report": moderators(200, 400, args=pk_of("report")),
        # Actions: POST only; an empty one is refused with a message and a redirect.
        "initiatives:moderation-bulk": moderators(405, 302),
        "initiatives:moderation-merge": moderators(405, 302, args=pk_of("pending")),
        "initiatives:moderation-proposal": moderators(
            405, 302, args=lambda w: ("place", w.proposed_place.pk)
        ),
        "initiatives:moderation-notifications": moderators(200, 302),
        "initiatives:import": moderators(200, 400),
        "initiatives:import-template": moderators(),
        "initiatives:moderation-dashboard": moderators(),
        "initiatives:background-work": moderators(),
        # Trying a failed email again: POST only, then back to the page.
        "initiatives:background-email-retry": moderators(405, 302, args=pk_of("failed_email")),
        "initiatives:curation": curators(),
        "initiatives:collection-create": curators(200, 400),
        "initiatives:collection-edit": curators(200, 400, args=slug_of("private_collection")),
        "initiatives:feature": curators(405, 302, args=pk_of("published")),
        "initiatives:merge-places": curators(200, 400),
        "initiatives:merge-organisations": curators(200, 400),
    }


def _accounts():
    """django-allauth's pages. People signed in are sent on from signing in
    or up; the pages about one's own account need signing in."""
    signed_in_elsewhere = each(302, anonymous=200)
    return {
        "account_login": [Case(signed_in_elsewhere, each(302, anonymous=200))],
        "account_logout": [Case(each(200, anonymous=302), each(302))],
        "account_inactive": public(),
        "account_signup": [Case(signed_in_elsewhere, each(302, anonymous=200))],
        "account_reauthenticate": signed_in(200, 200),
        "account_email": signed_in(200, 302),
        "account_email_verification_sent": public(),
        "account_change_password": signed_in(200, 200),
        # Everyone here has a password: setting one sends them to change it.
        "account_set_password": signed_in(302, 302),
        "account_reset_password": public(200, 200),
        # Signing in by a code is off: sent to sign in, or home if signed in.
        "account_confirm_login_code": public(302, 302),
        # An unknown key: a page saying the link does not work.
        "account_confirm_email": public(200, 404, args=lambda w: ("no-such-key",)),
        "account_reset_password_from_key_done": public(),
        "account_reset_password_from_key": public(200, 200, args=lambda w: ("1", "no-such-key")),
        "account_reset_password_done": public(),
        **_two_factor(),
    }


def _two_factor():
    """allauth.mfa's pages: each person's own second factor. Adding or
    changing one asks for the password again first (302 to reauthenticate)."""
    return {
        "mfa_index": signed_in(),
        "mfa_authenticate": [Case(each(302), each(302))],
        # Asking for a code again: for those who have an authenticator (the
        # staff); the others are sent to give their password instead.
        "mfa_reauthenticate": [Case(with_app(302, 200), with_app(302, 200))],
        "mfa_activate_totp": signed_in(302, 302),
        # Only an authenticator one has can be turned off.
        "mfa_deactivate_totp": [Case(with_app(404, 302), with_app(404, 302))],
        "mfa_view_recovery_codes": signed_in(404),
        "mfa_generate_recovery_codes": signed_in(302, 302),
        "mfa_download_recovery_codes": signed_in(404, 404),
    }


def with_app(others, staff):
    """The answer for staff, who have an authenticator app, and for the
    others signed in, who have none; visitors are sent to sign in."""
    return each(others, anonymous=LOGIN, moderator=staff, curator=staff, superuser=staff)


# The admin: who may do what with each model. Read-only admins refuse even
# the superuser an add or a change.
ALL = "view add change delete"
ADMIN_RIGHTS = {
    "auth.group": {SUPERUSER: ALL},
    "account.emailaddress": {SUPERUSER: ALL},
    "accounts.user": {SUPERUSER: ALL},
    "communities.place": {CURATOR: "view add change", SUPERUSER: ALL},
    "communities.organisation": {CURATOR: "view add change", SUPERUSER: ALL},
    "communities.membership": {MODERATOR: "view change", SUPERUSER: "view change delete"},
    "initiatives.theme": {CURATOR: "view add change", SUPERUSER: ALL},
    "initiatives.initiative": {MODERATOR: "view change", CURATOR: "view change", SUPERUSER: ALL},
    "initiatives.initiativerevision": {MODERATOR: "view", SUPERUSER: "view delete"},
    "initiatives.proposedplace": {MODERATOR: "view", SUPERUSER: "view delete"},
    "initiatives.proposedorganisation": {MODERATOR: "view", SUPERUSER: "view delete"},
    "initiatives.moderationdecision": {SUPERUSER: "view delete"},
    "initiatives.alert": {SUPERUSER: "view delete"},
    "mfa.authenticator": {SUPERUSER: ALL},
}
# The object each model's admin pages are asked about.
ADMIN_OBJECTS = {
    "auth.group": "moderators",
    "account.emailaddress": "email_address",
    "accounts.user": lambda w: w.users[RESIDENT],
    "communities.place": "england",
    "communities.organisation": "organisation",
    "communities.membership": "membership",
    "initiatives.theme": "theme",
    "initiatives.initiative": "draft",
    "initiatives.initiativerevision": "revision",
    "initiatives.proposedplace": "proposed_place",
    "initiatives.proposedorganisation": "proposed_organisation",
    "initiatives.moderationdecision": "decision",
    "initiatives.alert": "alert",
    "mfa.authenticator": lambda w: w.users[MODERATOR].authenticator_set.get(),
}
# Memberships are decided with the list's actions: every field is read-only.
ALL_READ_ONLY = {"communities.membership"}
ADMIN = settings.ADMIN_URL


def _admin_object(label, w):
    source = ADMIN_OBJECTS[label]
    return source(w) if callable(source) else getattr(w, source)


def _admin_object_pk(label):
    return lambda w: (_admin_object(label, w).pk,)


def _admin_case(label, page, **kwargs):
    """An admin page of one model, as each persona meets it."""
    get, post = {}, {}
    for persona in PERSONAS:
        if persona in NOT_STAFF:
            get[persona] = post[persona] = ADMIN_LOGIN
            continue
        rights = set(ADMIN_RIGHTS[label].get(persona, "").split())
        sees = 200 if rights & {"view", "change"} else 403
        # An empty POST to a change page: the form again, with its errors, or
        # saved as it is when the admin makes every field read-only.
        saves = 302 if label in ALL_READ_ONLY else 200
        get[persona], post[persona] = {
            "changelist": (sees, sees),
            "add": (200 if "add" in rights else 403,) * 2,
            "history": (sees, sees),
            # An empty POST asks again before deleting.
            "delete": (200 if "delete" in rights else 403,) * 2,
            "change": (sees, (saves if "change" in rights else 403)),
            # /<id>/ redirects to /<id>/change/, whatever the rights.
            "redirect": (302, 302),
            "simple_history": (sees, 200 if "change" in rights else 403),
            "move": (400 if sees == 200 else 403,) * 2,
        }[page]
    return Case(get, post, **kwargs)


def any_staff(get, post=None, **kwargs):
    """An admin page for every member of staff; anyone else is sent to the
    admin's sign in."""
    return [
        Case(
            each(get, **dict.fromkeys(NOT_STAFF, ADMIN_LOGIN)),
            each(get if post is None else post, **dict.fromkeys(NOT_STAFF, ADMIN_LOGIN)),
            **kwargs,
        )
    ]


def _admin():
    expected = {
        # Signing in to the admin is the site's own sign-in (throttled):
        # visitors are sent there, the staff on to the admin, others refused.
        "admin:login": [
            Case(
                each(403, anonymous=LOGIN, moderator=302, curator=302, superuser=302),
                # A signed-in member of staff posting to it: the admin's form again.
                each(403, anonymous=LOGIN, moderator=200, curator=200, superuser=200),
            )
        ],
        # Signing out is a POST; anyone but staff is sent to the admin's front.
        "admin:logout": [
            Case(
                each(405, **dict.fromkeys(NOT_STAFF, 302)),
                each(200, **dict.fromkeys(NOT_STAFF, 302)),
            )
        ],
    }
    expected.update(
        {
            "admin:index": any_staff(200),
            "admin:password_change": any_staff(200),
            "admin:password_change_done": any_staff(200, 405),
            "admin:autocomplete": [
                # Without its query, it refuses.
                *any_staff(403, 405),
                # The people an initiative may be credited to are users: only
                # those who may see the users may search them.
                Case(
                    each(ADMIN_LOGIN, moderator=403, curator=403, superuser=200),
                    each(ADMIN_LOGIN, moderator=405, curator=405, superuser=405),
                    query="?app_label=initiatives&model_name=initiative"
                    "&field_name=submitted_by&term=example",
                    about="searching the users",
                ),
            ],
            "admin:jsi18n": any_staff(200, 405),
            "admin:app_list": any_staff(200, args=lambda w: ("initiatives",)),
            # /r/<type>/<id>/ sends staff on to the object's own page.
            "admin:view_on_site": any_staff(
                302,
                args=lambda w: (ContentType.objects.get_for_model(Initiative).pk, w.draft.pk),
            ),
            # An address the admin does not have: nobody learns more than "sign in".
            f"{ADMIN}(?P<url>.*)$": any_staff(404, path=lambda w: f"/{ADMIN}no-such-page/"),
            # treebeard's translations for its tree: public, like any script.
            "admin:javascript-catalog": public(post=405),
        }
    )
    for label in ADMIN_RIGHTS:
        app, model = label.split(".")
        obj = _admin_object_pk(label)
        prefix = f"admin:{app}_{model}"
        expected[f"{prefix}_changelist"] = [_admin_case(label, "changelist")]
        expected[f"{prefix}_add"] = [_admin_case(label, "add")]
        expected[f"{prefix}_history"] = [_admin_case(label, "history", args=obj)]
        expected[f"{prefix}_delete"] = [_admin_case(label, "delete", args=obj)]
        expected[f"{prefix}_change"] = [_admin_case(label, "change", args=obj)]
        expected[f"{ADMIN}{app}/{model}/<path:object_id>/"] = [
            _admin_case(
                label,
                "redirect",
                path=lambda w, app=app, model=model, label=label: (
                    f"/{ADMIN}{app}/{model}/{_admin_object(label, w).pk}/"
                ),
            )
        ]
    for label in ("communities.place", "communities.organisation", "initiatives.initiative"):
        app, model = label.split(".")
        expected[f"admin:{app}_{model}_simple_history"] = [
            _admin_case(
                label,
                "simple_history",
                args=lambda w, label=label: (
                    _admin_object(label, w).pk,
                    _admin_object(label, w).history.latest().history_id,
                ),
            )
        ]
    expected["admin:auth_user_password_change"] = [
        _admin_case("accounts.user", "change", args=lambda w: (w.users[RESIDENT].pk,))
    ]
    # treebeard's tree of places: the places below one, for those who see
    # places; moving one needs a form (so an empty one is refused).
    expected[f"{ADMIN}communities/place/children/<str:parent_id>/"] = [
        _admin_case(
            "communities.place",
            "changelist",
            path=lambda w: f"/{ADMIN}communities/place/children/{w.england.pk}/",
        )
    ]
    expected[f"{ADMIN}communities/place/move/"] = [
        _admin_case("communities.place", "move", path=lambda w: f"/{ADMIN}communities/place/move/")
    ]
    return expected


def _media():
    if not settings.SERVE_MEDIA:
        return {}
    # Uploaded photos have unguessable names; an unknown one is not found.
    return {
        f"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$": public(
            404, 404, path=lambda w: f"/{settings.MEDIA_URL.lstrip('/')}no-such-photo.jpg"
        )
    }


EXPECTED = {
    **_public_pages(),
    **_open_data(),
    **_residents_pages(),
    **_staff_pages(),
    **_accounts(),
    **_admin(),
    **_media(),
}


# The URLconf ----------------------------------------------------------------


def _join(route1, route2):
    # As the resolver joins them (ResolverMatch.route).
    return route1 + route2.removeprefix("^") if route1 else route2


def url_patterns(resolver=None, route="", namespaces=()):
    """(key, pattern) for every pattern, included URLconfs and all: the
    view name for a named pattern, its full route for one without a name."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        joined = _join(route, str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from url_patterns(pattern, joined, inner)
        else:
            assert isinstance(pattern, URLPattern)
            key = ":".join((*namespaces, pattern.name)) if pattern.name else joined
            yield key, pattern


def key_of(match):
    return match.view_name if match.url_name else match.route


# The tests ------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    # A page cached for one persona must not stand in for another's answer.
    settings.PAGE_CACHE = False


def test_every_address_the_site_answers_is_in_the_matrix():
    keys = [key for key, _pattern in url_patterns()]
    missing = sorted(set(keys) - set(EXPECTED))
    assert not missing, (
        "Add these to EXPECTED in tests/security/test_authorisation_matrix.py, saying who may "
        "use them:\n" + "\n".join(missing)
    )
    assert len(keys) == len(set(keys)), "two patterns share a key"


def test_the_matrix_names_no_address_the_site_does_not_have():
    stale = sorted(set(EXPECTED) - {key for key, _pattern in url_patterns()})
    assert not stale, "Remove these from EXPECTED: the URLconf has no such pattern:\n" + "\n".join(
        stale
    )


@pytest.fixture(scope="module")
def visitor():
    """One client for the matrix: its middleware (WhiteNoise reads every
    static file's details) loads once, not for each request."""
    return Client()


def _ask(client, world, persona, method, url):
    """The answer and its body, with everything the request changed undone."""
    cache.clear()  # rate limits and throttles count per test, not per matrix
    client.cookies = SimpleCookie()  # this persona's session cookie alone
    if persona != ANONYMOUS:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[persona]
    with transaction.atomic():
        response = client.generic(method, url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        transaction.set_rollback(True)
    return response, body.decode("utf-8", "replace")


def _describe(response):
    if response.status_code in (301, 302, 303, 307, 308):
        return f"{response.status_code} to {response['Location']}"
    return str(response.status_code)


def _answer_is(expected, response):
    if expected == LOGIN:
        return response.status_code == 302 and response["Location"].startswith(
            reverse("account_login") + "?next="
        )
    if expected == ADMIN_LOGIN:
        return response.status_code == 302 and response["Location"].startswith(
            reverse("admin:login") + "?next="
        )
    return response.status_code == expected


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_each_persona_gets_the_answer_the_matrix_gives(world, visitor, key):
    problems = []
    for case in EXPECTED[key]:
        path = case.path(world) if case.path else reverse(key, args=case.args(world))
        assert key_of(resolve(path)) == key, f"{path} is not {key}"
        url = path + case.query
        for method, expected in (("GET", case.get), ("POST", case.post)):
            for persona in PERSONAS:
                where = f"{method} {url} ({case.about or key}) as {persona}"
                try:
                    response, body = _ask(visitor, world, persona, method, url)
                except Exception as error:  # a 500: reported with the others
                    problems.append(f"{where}: raised {error!r}")
                    continue
                if not _answer_is(expected[persona], response):
                    problems.append(
                        f"{where}: {expected[persona]} expected, got {_describe(response)}"
                    )
                for secret, seen_by in SECRETS.items():
                    if persona not in seen_by and secret in body:
                        problems.append(f"{where}: shows {secret!r}")
    assert not problems, "\n".join(problems)


# Where someone allowed to see each private detail finds it: the search for
# leaks above would find it too, were it shown to anyone else.
SHOWN_TO = {
    DRAFT: (RESIDENT, lambda w: reverse("initiatives:my-submissions")),
    PENDING: (MODERATOR, lambda w: reverse("initiatives:moderation-queue")),
    NEIGHBOURS_DRAFT: (NEIGHBOUR, lambda w: reverse("initiatives:my-submissions")),
    PROPOSED_EDIT: (
        RESIDENT,
        lambda w: reverse("initiatives:submission-edit", args=[w.published.pk]),
    ),
    PROPOSED_PLACE: (MODERATOR, lambda w: _moderation_page(w.pending)),
    PROPOSED_ORGANISATION: (MODERATOR, lambda w: _moderation_page(w.pending)),
    CONTACT_EMAIL: (RESIDENT, lambda w: reverse("initiatives:account-data")),
    CONTACT_PHONE: (RESIDENT, lambda w: reverse("initiatives:account-data")),
    DECISION_MESSAGE: (RESIDENT, lambda w: reverse("initiatives:my-submissions")),
    INTERNAL_NOTE: (MODERATOR, lambda w: _moderation_page(w.pending)),
    REPORT_DETAILS: (
        MODERATOR,
        lambda w: reverse("initiatives:moderation-report", args=[w.report.pk]),
    ),
    FOLLOWER_EMAIL: (SUPERUSER, lambda w: reverse("admin:initiatives_alert_changelist")),
    PRIVATE_COLLECTION: (CURATOR, lambda w: reverse("initiatives:curation")),
    MEMBERSHIP_NOTE: (
        MODERATOR,
        lambda w: reverse("admin:communities_membership_change", args=[w.membership.pk]),
    ),
    **{email: (persona, lambda w: reverse("account_email")) for persona, email in EMAILS.items()},
}


def _moderation_page(initiative):
    return reverse("initiatives:moderation-initiative", args=[initiative.pk])


def test_the_matrix_knows_where_each_private_detail_is_shown():
    assert set(SHOWN_TO) == {secret for secret, seen_by in SECRETS.items() if seen_by}


@pytest.mark.parametrize("secret", sorted(SHOWN_TO))
def test_each_private_detail_is_shown_to_someone_allowed_to_see_it(world, visitor, secret):
    persona, url = SHOWN_TO[secret]
    assert persona in SECRETS[secret]

    response, body = _ask(visitor, world, persona, "GET", url(world))

    assert response.status_code == 200
    assert secret in body


def test_a_signed_in_person_is_never_served_a_page_cached_for_anonymous_visitors(world, settings):
    settings.PAGE_CACHE = True
    anonymous = Client()
    anonymous.get("/")
    assert anonymous.get("/")["X-Cache"] == "hit"

    resident = Client()
    resident.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[RESIDENT]
    response = resident.get("/")

    assert "X-Cache" not in response
    assert reverse("initiatives:my-submissions") in response.content.decode()


# What each persona can change, not only open: the ways a waiting initiative
# could be published. Only a moderator's decision on the moderation pages
# publishes it, and that decision is recorded.
def _admin_change_form(initiative):
    link = initiative.initiative_places.get()
    rows = {
        "initiative_places": [{"id": link.pk, "place": link.place_id, "is_primary": "on"}],
        "initiative_organisations": [],
        "images": [],
        "sources": [],
    }
    data = {
        "title": initiative.title,
        "slug": initiative.slug,
        "summary": initiative.summary,
        "description": initiative.description,
        "activity_status": initiative.activity_status,
        "themes": [t.pk for t in initiative.themes.all()],
        "location_is_place_centre": "on",
        "featured": "on",
        "moderation_state": State.PUBLISHED,
        "published_at_0": "2026-01-01",
        "published_at_1": "10:00:00",
    }
    for prefix, forms in rows.items():
        initial = len(forms)
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": str(len(forms)),
                f"{prefix}-INITIAL_FORMS": str(initial),
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
        for i, row in enumerate(forms):
            data.update({f"{prefix}-{i}-{key}": value for key, value in row.items()})
    return data


PUBLISHING_DOORS = {
    "the admin's change form": lambda w: (
        reverse("admin:initiatives_initiative_change", args=[w.pending.pk]),
        _admin_change_form(w.pending),
    ),
    "the moderation page": lambda w: (
        _moderation_page(w.pending),
        {"action": "approve", "seen_state": State.PENDING},
    ),
    "bulk decisions": lambda w: (
        reverse("initiatives:moderation-bulk"),
        {"action": "approve", "items": [str(w.pending.pk)]},
    ),
}


@pytest.mark.parametrize("door", sorted(PUBLISHING_DOORS))
@pytest.mark.parametrize("persona", PERSONAS)
def test_only_a_moderators_recorded_decision_publishes(world, persona, door):
    client = Client()
    if persona != ANONYMOUS:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[persona]
    url, data = PUBLISHING_DOORS[door](world)
    with transaction.atomic():
        client.post(url, data)
        world.pending.refresh_from_db()
        state = world.pending.moderation_state
        decided = ModerationDecision.objects.filter(
            initiative=world.pending, to_state=State.PUBLISHED
        ).exists()
        transaction.set_rollback(True)
    world.pending.refresh_from_db()
    publishes = persona in (MODERATOR, SUPERUSER) and door != "the admin's change form"
    assert (state == State.PUBLISHED) is publishes
    assert decided is publishes

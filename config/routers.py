"""Reads from PostgreSQL read replicas, writes to the primary.

Settings turn this on when DATABASE_REPLICA_URLS names replicas (databases
`replica_1`, `replica_2`…); docs/scaling.md says when that is worth it.

A replica lags the primary by a moment, so whoever has just written must
not read from one: they would not see what they wrote. Only requests that
cannot have written are sent to the replicas: a GET or HEAD from someone
not signed in, who has not sent a form in the last DATABASE_REPLICA_PIN_SECONDS
and has written nothing so far in this request. That is nearly all of the
traffic (public pages, the map, the API, the exports); everything else
(signed-in people, forms, the admin, management commands, task workers)
reads the primary.
"""

import random
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

# A browser that sent a form carries this cookie for a few seconds, so
# that the page it is redirected to is read from the primary.
PIN_COOKIE = "primary_db"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class _Reads:
    """Where one request (or one `replica_reads()` block) reads from."""

    __slots__ = ("primary", "replica", "wrote")

    def __init__(self, *, primary: bool):
        self.primary = primary
        self.replica: str | None = None
        self.wrote = False


# None outside a request: management commands, task workers and the shell
# read the primary. A task is enqueued with the id of a row just committed,
# and a lagging replica would answer that the row does not exist.
_reads: ContextVar[_Reads | None] = ContextVar("database_reads", default=None)


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica_")]


@contextmanager
def replica_reads():
    """Let reads in this block go to a replica, for work that can tolerate
    data a moment old (a report, a long export from a command)."""
    token = _reads.set(_Reads(primary=False))
    try:
        yield
    finally:
        _reads.reset(token)


class PrimaryReplicaRouter:
    def __init__(self, replicas: list[str] | None = None):
        # Django builds routers without arguments; tests name the replicas.
        self._replicas = replicas

    @property
    def replicas(self) -> list[str]:
        return replica_aliases() if self._replicas is None else self._replicas

    def db_for_read(self, model, **hints):
        reads = _reads.get()
        if reads is None or reads.primary or reads.wrote or not self.replicas:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            # Reads inside a transaction on the primary belong to it.
            return DEFAULT_DB_ALIAS
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            # Follow relations on the database the object came from: an
            # object just saved is on the primary, and a replica's object
            # and its relations come from one snapshot.
            return instance._state.db
        if reads.replica is None:
            # One replica for the whole request, so that its queries agree
            # with one another (replicas lag by different amounts).
            reads.replica = random.choice(self.replicas)  # noqa: S311 (load spreading)
        return reads.replica

    def db_for_write(self, model, **hints):
        reads = _reads.get()
        if reads is not None:
            # From now on this request reads what it wrote.
            reads.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Every alias is the same database, or a copy of it.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # Replicas copy the primary's schema; they are never migrated.
        return db == DEFAULT_DB_ALIAS


class PinToPrimaryMiddleware:
    """Decide, for each request, whether its reads may go to a replica.

    It comes right after AuthenticationMiddleware: whether the person is
    signed in is read here, from the primary, so that someone who has just
    signed in is not shown as signed out by a lagging replica's session.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reads = _Reads(primary=True)
        token = _reads.set(reads)
        try:
            reads.primary = (
                request.method not in SAFE_METHODS
                or PIN_COOKIE in request.COOKIES
                or request.user.is_authenticated
            )
            response = self.get_response(request)
            if response.streaming and not response.is_async:
                # A streamed response (the CSV export) runs its queries
                # after this method returns, as the server iterates.
                response.streaming_content = _reading(reads, response.streaming_content)
        finally:
            _reads.reset(token)
        if request.method not in SAFE_METHODS or reads.wrote:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.DATABASE_REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


def _reading(reads, content):
    token = _reads.set(reads)
    try:
        yield from content
    finally:
        _reads.reset(token)

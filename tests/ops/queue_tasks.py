"""A task for the queue's round-trip tests: it needs no database, so that a
worker in a fresh process can run it wherever the suite runs."""

from django.tasks import task


@task
def add(a: int, b: int) -> int:
    return a + b

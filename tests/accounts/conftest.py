import pytest


@pytest.fixture
def committing_client(client, django_capture_on_commit_callbacks):
    """A test client whose requests run their on-commit work (queueing and,
    with the immediate backend, sending the emails) as each request ends, as
    outside a test's transaction."""

    request = client.request

    def committing(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return request(**kwargs)

    client.request = committing
    return client

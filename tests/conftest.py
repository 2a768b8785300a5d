import pytest
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from tests.factories import MemberFactory

PASSWORD = "correct-horse-battery-9"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.ACCOUNT_RATE_LIMITS = False


@pytest.fixture
def member(db):
    return MemberFactory()


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def unverified_member(db):
    return MemberFactory(verified=False)


@pytest.fixture
def run_tasks():
    """Run every queued background task with the real database-backed worker."""

    worker = Worker(
        queue_names=["*"], excluded_queue_names=[], interval=0, batch=True,
        backend_name="default", startup_delay=False, max_tasks=None, worker_id="pytest",
    )  # fmt: skip

    def run() -> int:
        # The worker's own claim-and-run steps, without its connection recycling, which
        # would close the test's transaction.
        done = 0
        while (result := DBTaskResult.objects.ready().first()) is not None:
            result.claim(worker.worker_id)
            worker.run_task(result)
            result.refresh_from_db()
            assert result.status == "SUCCESSFUL", result.traceback
            done += 1
        return done

    return run


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """``with committing(): ...`` runs the on-commit hooks (task enqueueing, realtime events)
    of what the block did, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)

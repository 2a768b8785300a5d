import os

import pytest
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction
from django.test import Client
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from cityhall import ratelimits
from knowledge.services import ensure_home
from tests.factories import MemberFactory


def load_reference_data():
    from members.defaults import load_defaults
    from members.directory import load_organizations

    model = apps.get_model
    load_defaults(model("members", "DomainRule"), model("members", "WorkField"))
    load_organizations(model("members", "Organization"), model("members", "OrganizationDomain"))
    model("sites", "Site").objects.update_or_create(
        pk=1, defaults={"domain": "127.0.0.1:8000", "name": "オンライン市役所"}
    )


PASSWORD = "correct-horse-battery-9"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    """Tests write faster than people; those about rate limits ask for ``rate_limits``."""
    settings.ACCOUNT_RATE_LIMITS = False
    settings.RATE_LIMITS_ENABLED = False


@pytest.fixture
def rate_limits(settings):
    """The per-member write limits on, with fresh windows: ids are reused between tests, and
    so would be the windows keyed by them."""
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = dict(settings.RATE_LIMITS)  # a test may change one in place
    ratelimits.windows.reset()
    yield settings.RATE_LIMITS
    ratelimits.windows.reset()


@pytest.fixture(params=["memory", "redis"])
def channel_layer(request, settings):
    """A socket test that uses this runs on the in-memory layer and on the Redis layer."""
    if request.param == "memory":
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "cityhall.layers.InMemoryChannelLayer"}}
    else:
        url = settings.REDIS_URL or os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/2")
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {
                    "hosts": [{"address": url, "socket_timeout": 30}],
                    "prefix": f"chat-test-{request.node.name[-40:]}",
                },
            }
        }
    return request.param


@pytest.fixture
def member(db):
    return MemberFactory()


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def other_client(db):
    """A second browser: another verified member, logged in."""
    other = Client()
    other.force_login(MemberFactory())
    return other


@pytest.fixture
def anonymous_client():
    return Client()


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


# The tables the migrations fill (load_reference_data), parents first.
REFERENCE_MODELS = [("members", "DomainRule"), ("members", "WorkField"),
                    ("members", "Organization"), ("members", "OrganizationDomain"),
                    ("sites", "Site")]  # fmt: skip


@pytest.fixture(scope="session")
def reference_rows(django_db_setup, django_db_blocker):
    """The rows the migrations load (the organization directory of ~1,800 rows, domain rules,
    work fields, the site), read once per session. A database that a stopped run left flushed
    (``--reuse-db``) gets them first."""
    models = [apps.get_model(*name) for name in REFERENCE_MODELS]
    with django_db_blocker.unblock():
        if not models[2].objects.exists():
            with transaction.atomic():
                load_reference_data()
        ensure_home()
        return {model: list(model.objects.order_by("pk").values()) for model in models}


def restore_reference_rows(rows) -> None:
    """Put the reference rows back as they were, ids included: one bulk insert per table
    (rebuilding the directory instead took about a second after every transactional test)."""
    with transaction.atomic():
        for model, values in rows.items():
            model.objects.all().delete()  # the flush's post_migrate makes a default Site
            model.objects.bulk_create([model(**row) for row in values], batch_size=500)
        statements = connection.ops.sequence_reset_sql(no_style(), list(rows))
        with connection.cursor() as cursor:
            for statement in statements:  # PostgreSQL: new rows get ids after these
                cursor.execute(statement)
    ensure_home()  # Wagtail's tree (a tree, not rows to copy back)


@pytest.fixture
def _restore_reference_data(reference_rows, django_db_blocker):
    """Runs its teardown after a transactional test's flush (it is set up before the database
    fixture): puts back the rows the migrations load, for the tests that come after."""
    yield
    with django_db_blocker.unblock():
        restore_reference_rows(reference_rows)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Transactional tests reload the reference data after them. Browser tests go last:
    Playwright's sync API keeps an event loop running in the main thread for the rest of the
    session, and pytest-asyncio cannot start its own loop after that."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction"):
            item.fixturenames.insert(0, "_restore_reference_data")

import os
from unittest import mock

import pytest
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction
from django.test import Client, TransactionTestCase
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


KEPT = "kept_"  # the copies of kept_tables, in the test database itself


@pytest.fixture(scope="session")
def kept_tables(django_db_setup, django_db_blocker) -> dict[str, str]:
    """Every table that holds rows once the database is migrated (the organization directory of
    ~1,800 rows, domain rules, work fields, sites, content types and permissions, Wagtail's tree
    and groups...), copied once per session: ``{table: its copy}``. A database that a stopped
    run left flushed (``--reuse-db``) gets the reference data first."""
    with django_db_blocker.unblock():
        if not apps.get_model("members", "Organization").objects.exists():
            with transaction.atomic():
                load_reference_data()
        ensure_home()
        return keep_tables()


def _tables() -> list[str]:
    return connection.introspection.django_table_names(only_existing=True, include_views=False)


def keep_tables() -> dict[str, str]:
    quote = connection.ops.quote_name
    kept = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for old in connection.introspection.table_names(cursor):
            if old.startswith(KEPT):
                cursor.execute(f"DROP TABLE {quote(old)}")
        for number, table in enumerate(sorted(_tables())):
            cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")
            if cursor.fetchone():
                kept[table] = f"{KEPT}{number}"
                cursor.execute(f"CREATE TABLE {quote(kept[table])} AS SELECT * FROM {quote(table)}")
    return kept


def restore_kept_tables(kept: dict[str, str]) -> None:
    """Empty every table and copy the kept rows back, ids included: the database as migrated,
    for the tests after a transactional one. Django's flush (TRUNCATE, then content types and
    permissions made anew) and reloading the reference data took ~0.75 s on PostgreSQL."""
    quote = connection.ops.quote_name
    models = [model for model in apps.get_models(include_auto_created=True)
              if model._meta.db_table in kept and not model._meta.proxy]  # fmt: skip
    with transaction.atomic(), connection.cursor() as cursor:
        for table in _tables():  # foreign keys are checked at the commit
            cursor.execute(f"DELETE FROM {quote(table)}")
        for table, copy in kept.items():
            cursor.execute(f"INSERT INTO {quote(table)} SELECT * FROM {quote(copy)}")
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)  # PostgreSQL: new rows get ids after the kept ones


@pytest.fixture(scope="session")
def _flush_to_kept_tables(kept_tables):
    """Transactional tests end with restore_kept_tables instead of Django's flush."""
    with mock.patch.object(
        TransactionTestCase, "_fixture_teardown", lambda _test: restore_kept_tables(kept_tables)
    ):
        yield


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Transactional tests end with restore_kept_tables. Browser tests go last:
    Playwright's sync API keeps an event loop running in the main thread for the rest of the
    session, and pytest-asyncio cannot start its own loop after that."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction"):
            item.fixturenames.insert(0, "_flush_to_kept_tables")

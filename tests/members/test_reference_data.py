"""What the migrations load (the organization directory, domain rules, work fields, the site,
and Django's and Wagtail's own rows) comes back whole after a transactional test, ids included,
copied back by one statement per table: rebuilding the directory after each such test cost
about a second."""

import pytest
from django.core.management import call_command
from django.db import connection

from members.models import Organization, WorkField
from tests.conftest import restore_kept_tables

pytestmark = pytest.mark.django_db(transaction=True)

REFERENCE_TABLES = {"members_domainrule", "members_workfield", "members_organization",
                    "members_organizationdomain", "django_site"}  # fmt: skip


def _rows(table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")
        return cursor.fetchall()


def test_a_flushed_database_comes_back_as_migrated_in_a_few_queries(
    kept_tables, django_assert_max_num_queries
):
    assert REFERENCE_TABLES | {"django_content_type", "wagtailcore_page"} <= set(kept_tables)
    before = {table: _rows(table) for table in kept_tables}
    assert len(before["members_organization"]) > 1700
    call_command("flush", interactive=False, verbosity=0)  # what Django's own teardown does
    assert not Organization.objects.exists()
    tables = connection.introspection.django_table_names(only_existing=True)
    with django_assert_max_num_queries(len(tables) + 2 * len(kept_tables) + 2):
        restore_kept_tables(kept_tables)
    for table, rows in before.items():
        assert _rows(table) == rows, table
    added = WorkField.objects.create(name="新しい分野")  # ids go on after the restored ones
    assert added.pk > max(row[0] for row in before["members_workfield"])

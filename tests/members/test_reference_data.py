"""The rows the migrations load (the organization directory, domain rules, work fields, the
site) come back whole after a transactional test's flush, ids included, by one bulk insert per
table: rebuilding the directory after each such test cost about a second."""

import pytest
from django.core.management import call_command

from members.models import Organization, WorkField
from tests.conftest import restore_reference_rows

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_flushed_directory_comes_back_whole_in_a_few_queries(
    reference_rows, django_assert_max_num_queries
):
    assert len(reference_rows[Organization]) > 1700
    call_command("flush", interactive=False, verbosity=0)  # what the test's teardown does
    assert not Organization.objects.exists()
    with django_assert_max_num_queries(90):  # 40 for the rows, ~35 for Wagtail's tree
        restore_reference_rows(reference_rows)
    for model, rows in reference_rows.items():
        assert list(model.objects.order_by("pk").values()) == rows, model
    added = WorkField.objects.create(name="新しい分野")  # ids go on after the restored ones
    assert added.pk > max(row["id"] for row in reference_rows[WorkField])

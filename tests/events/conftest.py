from datetime import timedelta

import pytest
from django.utils import timezone

from events import services
from events.models import Occurrence
from tests.factories import GroupFactory, MemberFactory


@pytest.fixture
def organizer(db):
    return MemberFactory(display_name="接種 花子")


@pytest.fixture
def vaccine_group(organizer):
    return GroupFactory(owner=organizer, slug="vaccine", name="ワクチン接種体制")


def make_series(organizer, group, *, capacity=3, days=3, rule="", mode="first_come",
                questions=(), **more):  # fmt: skip
    start = (timezone.now() + timedelta(days=days)).replace(second=0, microsecond=0)
    return services.series_create(
        author=organizer, group=group, title="ワクチン接種体制 情報交換会",
        description="毎週の情報交換会です。", capacity=capacity, rule=rule, mode=mode,
        first_start=start, duration_minutes=90, questions=questions, **more,
    )  # fmt: skip


def first_occurrence(series) -> Occurrence:
    return series.occurrences.order_by("starts_at").first()


@pytest.fixture
def occurrence(organizer, vaccine_group):
    return first_occurrence(make_series(organizer, vaccine_group))

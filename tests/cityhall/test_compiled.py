"""A FixedQuery compiles its queryset once and binds each call's values where the stand-ins
stood: it must answer exactly what the queryset itself answers, for every member and time."""

import re
from datetime import timedelta

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import OuterRef, Q, Subquery, Value
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cityhall.compiled import (
    FixedCount,
    FixedIds,
    FixedPages,
    FixedQuery,
    FixedQuerySet,
    FixedUnion,
    as_prefetched,
)
from groups.models import Group, Membership, Post
from tests.factories import (
    GroupFactory,
    MemberFactory,
    MembershipFactory,
    PostFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


def _joined(member, since, *, shape):
    memberships = Membership.objects.filter(member=member, joined_at__gte=since)
    if shape == "owners":
        memberships = memberships.filter(role=Membership.Role.OWNER)
    return memberships.values_list("group_id").order_by("group_id")


def _expected(member, since, shape=None) -> list[tuple]:
    return list(_joined(member, since, shape=shape))


def test_each_call_answers_what_the_queryset_answers_for_its_own_member_and_time():
    now = timezone.now()
    ann, ben = MemberFactory(), MemberFactory()
    MembershipFactory(member=ann, group=GroupFactory(), joined_at=now - timedelta(days=3))
    MembershipFactory(member=ann, group=GroupFactory(), joined_at=now - timedelta(days=30))
    MembershipFactory(member=ben, group=GroupFactory(), joined_at=now - timedelta(days=1))
    joined = FixedQuery(_joined)

    for member in (ann, ben):
        for days in (0, 2, 10, 60):
            since = now - timedelta(days=days)
            assert joined(member, since) == _expected(member, since), (member, days)
    assert len(joined(ann, now - timedelta(days=60))) == 2


def test_a_later_call_runs_the_sql_it_compiled_first_with_the_new_values():
    ann, ben = MemberFactory(), MemberFactory()
    MembershipFactory(member=ben)
    joined = FixedQuery(_joined)
    since = timezone.now() - timedelta(days=1)
    joined(ann, since)

    with CaptureQueriesContext(connection) as queries:
        rows = joined(ben, since)

    assert rows == _expected(ben, since) and len(rows) == 1
    assert len(queries) == 1
    if connection.vendor == "postgresql":  # bound on the server: the values go apart
        assert "$1" in queries[0]["sql"]
    else:
        assert str(ben.pk) in queries[0]["sql"]


def test_each_shape_is_compiled_apart():
    member = MemberFactory()
    MembershipFactory(member=member, role=Membership.Role.OWNER)
    MembershipFactory(member=member, role=Membership.Role.MEMBER)
    joined = FixedQuery(_joined)
    since = timezone.now() - timedelta(days=1)

    assert len(joined(member, since, shape="owners")) == 1
    assert len(joined(member, since)) == 2
    assert len(joined(member, since, shape="owners")) == 1


def test_the_member_passed_in_is_left_as_it_was():
    member = MemberFactory()
    pk = member.pk
    FixedQuery(_joined)(member, timezone.now())
    assert member.pk == pk


def test_a_query_that_works_a_value_out_raises_rather_than_binding_the_wrong_thing():
    def later(member, since, *, shape):
        return Membership.objects.filter(Q(joined_at__gte=since + timedelta(hours=1)),
                                         member=member).values_list("pk")  # fmt: skip

    with pytest.raises(ValueError, match="as given"):
        FixedQuery(later)(MemberFactory(), timezone.now())


@pytest.mark.parametrize("value", [1.5, True, ["ann"], None])
def test_values_other_than_ids_text_datetimes_and_instances_are_refused(value):
    with pytest.raises(TypeError):
        FixedQuery(_joined)(value, timezone.now())


def test_a_number_no_column_can_hold_matches_nothing():
    joined = FixedQuery(_joined)
    member = MemberFactory()
    MembershipFactory(member=member)
    assert joined(2**63, timezone.now()) == []
    assert joined(-(2**63) - 1, timezone.now()) == []


def test_text_values_are_bound_as_given():
    def named(email, *, shape):
        return Membership.objects.filter(member__email=email).values_list("member__email")

    ann, ben = MemberFactory(), MemberFactory()
    MembershipFactory(member=ann)
    MembershipFactory(member=ben)
    query = FixedQuery(named)
    assert query(ann.email) == [(ann.email,)]
    assert query(ben.email) == [(ben.email,)]
    assert query("' OR 1=1 --") == []


def test_text_the_database_would_wrap_is_refused():
    def containing(email, *, shape):
        return Membership.objects.filter(member__email__contains=email).values_list("pk")

    with pytest.raises(ValueError, match="as given"):
        FixedQuery(containing)("kobe")


def test_text_is_never_read_as_a_pattern():
    """SQLite's iexact is a LIKE whose escaped value differs from the stand-in, so it is
    refused; PostgreSQL's compares UPPER() of both, and binds as given."""

    def same_email(email, *, shape):
        return Membership.objects.filter(member__email__iexact=email).values_list("member_id")

    member = MemberFactory(email="axb@city.kobe.lg.jp")
    MembershipFactory(member=member)
    query = FixedQuery(same_email)
    try:
        assert query("A_B@city.kobe.lg.jp") == []
    except ValueError:
        assert connection.vendor == "sqlite"
    else:
        assert query("AXB@city.kobe.lg.jp") == [(member.pk,)]


def _groups_of(member, since, *, shape):
    memberships = Membership.objects.filter(member=member, joined_at__gte=since)
    return (
        Group.objects.filter(pk__in=memberships.values("group_id"))
        .select_related("proposed_by")
        .annotate(my_role=Subquery(memberships.filter(group=OuterRef("pk")).values("role")[:1]))
        .prefetch_related("memberships")
        .order_by("pk")
    )


def _described(groups) -> list:
    return [(g.pk, g.name, g.proposed_by.email, g.my_role,
             sorted(m.pk for m in g.memberships.all())) for g in groups]  # fmt: skip


def test_a_fixed_queryset_answers_the_querysets_own_instances_for_each_member_and_time():
    now = timezone.now()
    ann, ben = MemberFactory(), MemberFactory()
    MembershipFactory(member=ann, role=Membership.Role.OWNER, joined_at=now - timedelta(days=3))
    MembershipFactory(member=ann, joined_at=now - timedelta(days=30))
    MembershipFactory(member=ben, joined_at=now - timedelta(days=1))
    groups = FixedQuerySet(_groups_of)

    for member in (ann, ben):
        for days in (0, 2, 10, 60):
            since = now - timedelta(days=days)
            answer = groups(member, since)
            assert all(isinstance(group, Group) for group in answer)
            assert _described(answer) == _described(_groups_of(member, since, shape=None))
    assert [g.my_role for g in groups(ann, now - timedelta(days=60))] == ["owner", "member"]


def test_a_fixed_queryset_runs_its_sql_once_compiled_and_loads_what_it_selected():
    member = MemberFactory()
    MembershipFactory(member=member)
    groups = FixedQuerySet(_groups_of)
    since = timezone.now() - timedelta(days=1)
    groups(MemberFactory(), since)

    with CaptureQueriesContext(connection) as queries:
        answer = groups(member, since)
        described = _described(answer)  # the proposer and memberships are already loaded

    assert len(described) == 1 and described[0][3] == "member"
    assert len(queries) == 2  # the groups, then the prefetched memberships
    if connection.vendor == "postgresql":  # bound on the server: the values go apart
        assert "$1" in queries[0]["sql"]
    else:
        assert str(member.pk) in queries[0]["sql"]


def test_a_fixed_queryset_from_a_related_manager_is_refused():
    def mine(member, *, shape):
        return member.memberships.all()

    with pytest.raises(ValueError, match="manager"):
        FixedQuerySet(mine)(MemberFactory())


def test_numbers_compared_with_a_positive_field_are_bound_not_dropped():
    """Django drops or empties a condition whose number lies outside the field's range (a
    negative one against a positive field): the stand-ins lie inside it, so every bound stays."""

    def numbered(topic, first, last, *, shape):
        return Post.objects.filter(topic=topic, number__gte=first, number__lte=last).values_list(
            "number"
        )

    topic = TopicFactory()
    for _ in range(4):
        PostFactory(topic=topic)
    query = FixedQuery(numbered)
    assert query(topic, 2, 3) == [(2,), (3,)]
    assert query(topic, 4, 9) == [(4,), (5,)]
    assert query(topic, -5, 1) == [(1,)]
    assert query(topic, 3, 2) == []


def test_a_constant_that_equals_a_stand_in_is_refused_not_bound_over():
    def clashing(member, *, shape):
        return Membership.objects.filter(member=member, pk__gte=30_011).values_list("pk")

    with pytest.raises(ValueError, match="as given"):
        FixedQuery(clashing)(MemberFactory())


def _memberships_of(member, *, shape):
    return Membership.objects.filter(member=member).select_related("group").order_by("pk")


def test_fixed_pages_give_the_paginator_the_querysets_count_and_pages():
    ann, ben = MemberFactory(), MemberFactory()
    for _ in range(7):
        MembershipFactory(member=ann)
    pages = FixedPages(_memberships_of)

    for member in (ann, ben, ann):
        fixed = Paginator(pages(member), 3)
        plain = Paginator(_memberships_of(member, shape=None), 3)
        assert fixed.count == plain.count
        for number in (1, 2, 3, 4):
            got = [(m.pk, m.group.name) for m in fixed.get_page(number)]
            assert got == [(m.pk, m.group.name) for m in plain.get_page(number)], number
    assert Paginator(pages(ann), 3).count == 7 and Paginator(pages(ben), 3).count == 0


def test_a_shape_that_holds_nothing_answers_nothing_without_a_query():
    def nothing(member, *, shape):
        return Membership.objects.filter(member=member).none()

    member = MemberFactory()
    with CaptureQueriesContext(connection) as queries:
        assert FixedQuerySet(nothing)(member) == []
        assert FixedCount(nothing)(member) == 0
    assert len(queries) == 0


def test_rows_kept_as_prefetched_are_what_the_relation_answers_without_a_query():
    member = MemberFactory()
    for _ in range(2):
        MembershipFactory(member=member)
    rows = FixedQuerySet(_memberships_of)(member)
    as_prefetched(member, "memberships", rows)

    with CaptureQueriesContext(connection) as queries:
        kept = list(member.memberships.all())
    assert len(queries) == 0
    assert [m.pk for m in kept] == [m.pk for m in _memberships_of(member, shape=None)]


def test_fixed_ids_answer_what_the_filter_answers_for_any_number_of_ids():
    groups = [GroupFactory() for _ in range(6)]
    names = FixedIds(lambda ids: Group.objects.filter(pk__in=ids).values_list("pk", "name"))
    for count in range(1, 7):
        ids = [g.pk for g in groups[:count]]
        expected = set(Group.objects.filter(pk__in=ids).values_list("pk", "name"))
        assert set(names(ids)) == expected, count
    assert set(names([groups[0].pk, groups[0].pk, 0])) == {(groups[0].pk, groups[0].name)}
    with CaptureQueriesContext(connection) as queries:
        assert names([]) == []
        assert len(names([g.pk for g in groups[:3]])) == 3  # 3 ids run the 4 ids' statement
    # the fourth is 0 (bound on the client), or a fourth placeholder (on the server: PostgreSQL)
    assert len(queries) == 1 and re.search(r"IN \([^)]*, (0|\$4)\)", queries[0]["sql"])


def _owned_then_joined(member, *, shape):
    mine = Membership.objects.filter(member=member).select_related("group")
    owned = mine.filter(role=Membership.Role.OWNER).annotate(part=Value("owned"))
    joined = mine.exclude(role=Membership.Role.OWNER).annotate(part=Value("joined"))
    if shape == "none owned":
        owned = owned.none()
    return [owned.order_by("-joined_at")[:2], joined.order_by("group__name")[:3]]


def test_a_union_answers_each_part_in_turn_with_its_own_order_and_slice():
    now = timezone.now()
    ann, ben = MemberFactory(), MemberFactory()
    for days in (1, 2, 3):
        MembershipFactory(member=ann, group=GroupFactory(), role=Membership.Role.OWNER,
                          joined_at=now - timedelta(days=days))  # fmt: skip
    for name in ("ロ", "イ", "ハ", "ニ"):
        MembershipFactory(member=ann, group=GroupFactory(name=f"{name}の会"))
    MembershipFactory(member=ben, group=GroupFactory(name="ホの会"))
    union = FixedUnion(_owned_then_joined)

    with CaptureQueriesContext(connection) as queries:
        rows = union(ann)
    assert len(queries) == 1  # with each membership's group
    expected = [*_owned_then_joined(ann, shape=None)[0], *_owned_then_joined(ann, shape=None)[1]]
    assert [(row.pk, row.part, row.group.name) for row in rows] == [
        (row.pk, row.part, row.group.name) for row in expected
    ]
    assert [row.part for row in rows] == ["owned"] * 2 + ["joined"] * 3
    assert [(row.part, row.group.name) for row in union(ben)] == [("joined", "ホの会")]
    assert [row.part for row in union(ann, shape="none owned")] == ["joined"] * 3


def test_a_union_of_parts_that_select_different_columns_is_refused():
    def different(member, *, shape):
        mine = Membership.objects.filter(member=member)
        return [mine.select_related("group"), mine]

    with pytest.raises(ValueError, match="same columns"):
        FixedUnion(different)(MemberFactory())

"""Statements every page runs are planned once per PostgreSQL connection (cityhall.prepared):
after a few runs the server keeps them prepared, and they answer as before."""

import pytest
from django.db import connection

from cityhall import prepared
from cityhall.compiled import FixedQuery
from groups.models import Membership
from tests.factories import GroupFactory, MemberFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def _statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


def _roles(member, *, shape=None):
    return Membership.objects.filter(member=member).values_list("group_id", "role").order_by("pk")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_a_statement_run_again_and_again_is_prepared_and_answers_the_same():
    member = MemberFactory()
    groups = [GroupFactory(), GroupFactory()]
    for group in groups:
        MembershipFactory(member=member, group=group)
    roles = FixedQuery(_roles)
    expected = list(_roles(member))
    answers = [roles(member) for _ in range(8)]
    assert answers == [expected] * 8
    assert any('"groups_membership"' in statement for statement in _statements())
    assert prepared.rows("SELECT CAST(%s AS text), %s + 1", ["一", 41]) == [("一", 42)]


def test_rows_answers_on_every_database():
    assert prepared.rows("SELECT CAST(%s AS text), %s + 1", ["一", 41]) == [("一", 42)]


def test_instances_are_the_models_the_orm_reads_with_the_other_values_beside():
    """prepared.instances converts each field as the ORM does: SQLite's text datetimes become
    aware ones, its 0 and 1 booleans, and the values after the model's columns come beside."""
    group = GroupFactory(name="債権回収", chat_enabled=False)
    columns = ", ".join(f"grp.{field.column}" for field in type(group)._meta.concrete_fields)
    sql = f"SELECT {columns}, CAST(%s AS text), grp.id + 1 FROM groups_group grp WHERE grp.id = %s"
    [(found, label, after)] = prepared.instances(type(group), sql, ["ラベル", group.pk])
    expected = type(group).objects.get(pk=group.pk)
    for field in type(group)._meta.concrete_fields:
        value = getattr(found, field.attname)
        assert value == getattr(expected, field.attname) and type(value) is type(
            getattr(expected, field.attname)
        ), field.name
    assert found.created_at.tzinfo is not None and found.chat_enabled is False
    assert (label, after) == ("ラベル", group.pk + 1)
    assert found._state.adding is False and found._state.db == "default"


def _named(member, *, shape=None):
    return Membership.objects.filter(member=member, group__name__startswith="ワクチン").values_list(
        "group_id"
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_a_statement_whose_plan_depends_on_its_values_is_planned_on_each_run():
    member = MemberFactory()
    MembershipFactory(member=member, group=GroupFactory(name="ワクチン接種体制"))
    named = FixedQuery(_named, plan_each_run=True)
    assert [named(member) for _ in range(8)] == [list(_named(member))] * 8
    assert not [statement for statement in _statements()
                if "LIKE" in statement and '"groups_membership"."group_id"' in statement
                and '"groups_group"."name"' in statement]  # fmt: skip


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's JIT")
def test_the_sites_connections_never_compile_a_query_to_machine_code():
    """A query whose estimated cost passes jit_above_cost (the knowledge home's counts can)
    would spend 25 ms compiling itself (settings.DATABASES: jit off)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)

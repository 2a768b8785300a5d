"""A small world to search: two providers of its own (the apps' providers are set aside for the
test, so what is found and how many queries it takes depend on nothing else), an open group, a
closed group with one member, and ``index(...)`` to put documents in the embedded index.

Also indexing as the site does it: ``indexed()`` commits a block of writes (its on-commit hooks
enqueue the outbox drain), then runs the queued tasks with the real database-backed worker."""

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from groups.models import Group, Membership
from search import registry
from search.backends import get_backend
from search.documents import Document
from search.services import Filters, search
from tests.factories import GroupFactory, MemberFactory


@dataclass
class StubProvider:
    """Documents kept in a dict; a member holds "group:<id>" for every group they may read
    (open, or one they belong to), asked of the database as an app's provider would."""

    kind: str
    label: str
    stored: dict = field(default_factory=dict)

    def documents(self, ids):
        return {pk: self.stored[pk] for pk in ids if pk in self.stored}

    def all_ids(self):
        return iter(list(self.stored))

    def tokens(self, member):
        readable = Group.objects.filter(kind=Group.Kind.OPEN) | Group.objects.filter(
            memberships__member=member
        )
        return [f"group:{pk}" for pk in readable.values_list("pk", flat=True).distinct()]


def _group_names(ids):
    return dict(Group.objects.filter(pk__in=ids).values_list("pk", "name"))


def _organization_names(ids):
    from members.models import Organization

    return dict(Organization.objects.filter(pk__in=ids).values_list("pk", "name"))


@pytest.fixture
def providers(monkeypatch):
    made = {"topic": StubProvider("topic", "トピック"), "page": StubProvider("page", "記事")}
    monkeypatch.setattr(registry, "_providers", dict(made))
    monkeypatch.setattr(registry, "_facet_names", {
        "group_id": ("グループ", _group_names),
        "organization_id": ("組織", _organization_names),
    })  # fmt: skip
    return made


@dataclass
class World:
    member: object  # in the closed group
    outsider: object  # in no group
    open_group: Group
    closed_group: Group


@pytest.fixture
def world(db, providers):
    member, outsider = MemberFactory(), MemberFactory()
    open_group = GroupFactory(name="債権回収", slug="saiken-test")
    closed_group = GroupFactory(name="非公開の研究会", slug="closed-test", kind=Group.Kind.CLOSED)
    Membership.objects.create(group=closed_group, member=member)
    return World(member, outsider, open_group, closed_group)


def document(key, title, body="", *, group=None, solved=False, day=1, **extra):
    """A document; one of a group is for those who may read the group."""
    values = {
        "url": f"/{key.replace(':', '/')}/", "date": datetime(2026, 3, day, 1, 30, tzinfo=UTC),
        "group_id": group.pk if group else None, "solved": solved,
        "requires": (f"group:{group.pk}",) if group else (),
    } | extra  # fmt: skip
    return Document(key=key, kind=key.split(":")[0], title=title, body=body, **values)


@pytest.fixture
def index(providers):
    """``index(*documents)``: into the providers and the embedded index."""

    def write(*documents):
        for item in documents:
            kind, _, pk = item.key.partition(":")
            providers[kind].stored[int(pk)] = item
        get_backend().write(list(documents), [])

    return write


@pytest.fixture
def indexed(committing, run_tasks):
    """``with indexed(): ...``: the block's writes committed and drained into the index."""

    @contextmanager
    def block():
        with committing():
            yield
        run_tasks()

    return block


def found(member, q: str, **filters) -> list[str]:
    """The keys ``member`` finds for ``q``, best first."""
    return [result.hit.key for result in search(member, Filters(q=q, **filters)).results]


def facet(results, name: str) -> dict:
    """{value: count} of one facet of a search's results."""
    return {value: count for value, _label, count in results.facets.get(name, [])}

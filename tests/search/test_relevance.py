"""The relevance set (../shared/search-relevance) as a member finds it through the search
service: mean recall@5 at least 0.9, and no leak probe ever shows a group-only document."""

import pytest

from tests.factories import MemberFactory
from tests.support import relevance

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(db):
    return relevance.load()


def scored(loaded):
    results = []
    for query in relevance.queries():
        member = MemberFactory()
        relevance.join(member, query["as_member_of"])
        results.append(relevance.score(query, member, loaded))
    return results


def test_recall_at_five_and_no_leak(loaded):
    results = scored(loaded)
    ranked = [r for r in results if r.kind != "leak"]
    misses = [(r.id, r.q, r.top) for r in ranked if r.score < 1]
    assert sum(r.score for r in ranked) / len(ranked) >= 0.9, misses
    assert [r.id for r in results if r.kind == "leak" and r.score < 1] == []

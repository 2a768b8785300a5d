"""A group with its owner and one topic, for the cross-cutting tests of this folder (odd input,
rate limits)."""

import pytest

from tests.factories import GroupFactory, MemberFactory, TopicFactory


@pytest.fixture
def owner(db):
    return MemberFactory()


@pytest.fixture
def group(owner):
    return GroupFactory(owner=owner, slug="saiken")


@pytest.fixture
def topic(owner, group):
    return TopicFactory(group=group, author=owner, title="予算要求の書き方", body="本文")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client

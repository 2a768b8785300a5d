"""Whether a notification's recipient may still see its subject (members.notification_subjects):
the same answer whether or not the caller hands over the recipient it has loaded, and without
loading that recipient again when it does."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups.models import Group
from members import notification_subjects
from members.models import Notification
from tests.factories import GroupFactory, MemberFactory, MembershipFactory, TopicFactory

pytestmark = pytest.mark.django_db


def _mentioned(member, topic):
    post = topic.posts.first()
    return Notification.objects.create(recipient=member, kind="mention", url="/",
                                       **notification_subjects.reference(post))  # fmt: skip


def test_a_recipient_the_caller_has_loaded_is_not_loaded_again():
    member = MemberFactory()
    closed = GroupFactory(kind=Group.Kind.CLOSED)
    MembershipFactory(group=closed, member=member)
    secret = GroupFactory(kind=Group.Kind.SECRET)
    seen = _mentioned(member, TopicFactory(group=closed))
    _mentioned(member, TopicFactory(group=secret))  # not a member there: not shown
    rows = Notification.objects.filter(recipient=member).order_by("pk")

    assert notification_subjects.still_visible(rows) == [seen]
    with CaptureQueriesContext(connection) as queries:
        assert notification_subjects.still_visible(rows, recipient=member) == [seen]
    assert not [q for q in queries.captured_queries if '"members_user"' in q["sql"]]

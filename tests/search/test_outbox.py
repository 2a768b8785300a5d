"""The search outbox as the apps write it: a row in the same transaction as the change (none
when it rolls back, there before any task runs when it commits), the drain enqueued on commit,
retried while the index fails, and a row from every service that changes a searchable thing."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from events import services as event_services
from groups import services
from groups.chat import services as chat
from knowledge.importing import _date_topic
from members.models import User
from search import outbox, registry
from search.models import Outbox
from tests.factories import MemberFactory, MembershipFactory, PostFactory, TopicFactory
from tests.search.conftest import found

pytestmark = pytest.mark.django_db
DRAIN = "search.tasks.outbox_drain"


def rows() -> set[tuple[str, bool]]:
    return set(Outbox.objects.values_list("key", "hides"))


def drains():
    return DBTaskResult.objects.filter(task_path=DRAIN)


def test_a_write_that_rolls_back_leaves_no_row_and_no_task(committing):
    topic = TopicFactory()
    Outbox.objects.all().delete()
    files = [SimpleUploadedFile(f"{n}.txt", b"x") for n in range(6)]
    with committing(), pytest.raises(ValidationError):
        # The reply is saved and recorded, then its attachments are refused: all rolls back.
        services.post_create(author=topic.author, topic=topic, body="督促状", files=files)
    assert rows() == set()
    assert not drains().exists()
    with pytest.raises(RuntimeError), transaction.atomic():
        PostFactory(topic=topic)
        assert rows()
        raise RuntimeError
    assert rows() == set()


def test_a_write_that_commits_has_its_row_before_any_task_runs(committing, run_tasks):
    member = MemberFactory()
    with committing():
        topic = TopicFactory(title="督促状の文例")
    assert rows() == {(f"topic:{topic.pk}", False)}
    assert drains().count() == 1
    assert found(member, "督促状") == []
    run_tasks()
    assert found(member, "督促状") == [f"topic:{topic.pk}"]
    assert rows() == set()


class Unreachable:
    """A provider whose documents cannot be read, as an index server that is down."""

    kind = "unreachable"
    label = "接続できない"

    def documents(self, ids):
        raise ConnectionError("search server down")

    def all_ids(self):
        return iter(())

    def tokens(self, member):
        return ()


@pytest.fixture
def unreachable():
    registry.register(Unreachable())
    yield
    registry._providers.pop(Unreachable.kind, None)


def test_the_drain_keeps_the_rows_and_tries_again_when_the_index_fails(unreachable, committing,
                                                                      run_tasks):  # fmt: skip
    member = MemberFactory()
    with committing():
        topic = TopicFactory(title="督促状の文例")
        outbox.changed("unreachable:1")
    ran = run_tasks()  # a drain per write committed
    assert rows() == {(f"topic:{topic.pk}", False), ("unreachable:1", False)}
    assert set(Outbox.objects.values_list("attempts", flat=True)) == {ran}
    assert not drains().ready().exists()
    waiting = drains().filter(status="READY")
    assert waiting.count() == ran
    for retry in waiting:
        assert retry.run_after > timezone.now()
        assert retry.args_kwargs["kwargs"] == {"attempt": 1}
    assert found(member, "督促状") == []
    registry._providers.pop(Unreachable.kind)  # back up: its keys are now simply taken out
    waiting.update(run_after=timezone.now())
    run_tasks()
    assert rows() == set()
    assert found(member, "督促状") == [f"topic:{topic.pk}"]


@pytest.fixture
def thread(db):
    topic = TopicFactory(is_question=True)
    reply = PostFactory(topic=topic, author=MembershipFactory(group=topic.group).member)
    Outbox.objects.all().delete()
    return topic, reply


def test_every_topic_and_post_service_records_what_it_changes(thread):
    topic, reply = thread
    moderator = topic.author
    opening = topic.posts.get(number=1)
    t, p = f"topic:{topic.pk}", f"post:{reply.pk}"
    steps = [
        (lambda: services.post_edit(editor=reply.author, post=reply, body="修正しました"),
         {(p, False)}),
        (lambda: services.post_edit(editor=moderator, post=opening, body="本文", title="新しい題"),
         {(t, False), (p, False)}),
        (lambda: services.answer_accept(actor=moderator, topic=topic, post=reply),
         {(t, False), (p, False)}),
        (lambda: services.post_set_hidden(actor=moderator, post=reply, hidden=True, reason=""),
         {(p, True)}),
        (lambda: services.post_set_hidden(actor=moderator, post=reply, hidden=False, reason=""),
         {(p, False)}),
        (lambda: services.topic_moderate(actor=moderator, topic=topic, action="hide"),
         {(t, True), (p, True)}),
        (lambda: services.topic_moderate(actor=moderator, topic=topic, action="lock"), set()),
        (lambda: services.post_delete(actor=moderator, post=reply, reason="誤り"),
         {(t, False), (p, True)}),
    ]  # fmt: skip
    for step, expected in steps:
        Outbox.objects.all().delete()
        step()
        assert rows() == expected, expected


def test_moving_a_topic_records_it_and_its_replies_as_hiding(thread):
    topic, reply = thread
    other = MembershipFactory(member=topic.author, role="owner").group
    services.topic_move(actor=topic.author, topic=topic, to_group=other)
    assert rows() == {(f"topic:{topic.pk}", True), (f"post:{reply.pk}", True)}


def test_chat_services_record_their_message(db):
    member = MembershipFactory().member
    room = chat.room_for_group(member.memberships.get().group)
    message = chat.message_send(author=member, room=room, client_id="a", body="督促")[0]
    assert rows() == {(f"chat:{message.pk}", False)}
    Outbox.objects.all().delete()
    chat.message_send(author=member, room=room, client_id="a", body="督促")  # sent again
    chat.reaction_toggle(member=member, message=message, kind="like")
    assert rows() == set()
    chat.message_edit(editor=member, message=message, body="催告")
    assert rows() == {(f"chat:{message.pk}", False)}
    Outbox.objects.all().delete()
    chat.message_delete(actor=member, message=message)
    assert rows() == {(f"chat:{message.pk}", True)}


def test_event_services_record_their_series(db):
    organizer = MembershipFactory().member
    group = organizer.memberships.get().group
    start = timezone.now() + timedelta(days=2)
    series = event_services.series_create(
        author=organizer, group=group, title="勉強会", first_start=start, rule="FREQ=WEEKLY;COUNT=2"
    )
    key = {(f"event:{series.pk}", False)}
    assert rows() == key
    occurrence = series.occurrences.first()
    for step in (
        lambda: event_services.series_update(actor=organizer, series=series, title="研修会"),
        lambda: event_services.occurrence_move(actor=organizer, occurrence=occurrence,
                                               starts_at=start + timedelta(hours=1),
                                               ends_at=start + timedelta(hours=2)),
        lambda: event_services.occurrence_cancel(actor=organizer, occurrence=occurrence),
    ):  # fmt: skip
        Outbox.objects.all().delete()
        step()
        assert rows() == key
    Outbox.objects.all().delete()
    assert event_services.occurrences_extend(series) == 0
    assert rows() == set()  # the clock's every-minute call records nothing when nothing is new


def test_an_imported_topic_redated_is_recorded(thread):
    topic, _reply = thread
    _date_topic(topic, date(2023, 4, 1))
    assert rows() == {(f"topic:{topic.pk}", False)}


def test_the_demo_ends_up_in_the_index(committing, run_tasks):
    with committing():
        call_command("seed_demo", verbosity=0)
    run_tasks()
    member = User.objects.get(email="demo-member@city.kobe.lg.jp")
    kinds = {key.split(":")[0] for q in ("分納", "預金照会", "情報交換会")
             for key in found(member, q)}  # fmt: skip
    assert kinds >= {"topic", "post", "chat", "event"}

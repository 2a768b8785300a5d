"""An event's notes in the knowledge base: an organizer's 「ナレッジに記録を残す」 on a past
occurrence makes a draft (session notes, or a broadcast episode) filled from the series and the
occurrence's chat, and opens it in the editor; the same button opens the same draft again.
Once published, the occurrence and the past-sessions list link to it, for those who may see
it alone. events imports nothing of this: knowledge registers it (events.extensions)."""

import html
import json
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events import extensions, services
from events.models import Occurrence, Series
from groups.chat.models import Message, Room
from groups.models import Group
from knowledge import from_events, selectors
from knowledge.models import (
    BroadcastPage,
    KnowledgePage,
    OccurrenceNotes,
    PageGroupRestriction,
    PagePerson,
    SectionPage,
    SessionNotesPage,
)
from tests.factories import GroupFactory, MemberFactory, MembershipFactory
from tests.groups.conftest import client_for
from tests.groups.test_concurrency import together

pytestmark = pytest.mark.django_db

TITLE = "ワクチン接種体制 情報交換会"
DESCRIPTION = (
    "各自治体の接種体制の工夫を持ち寄ります。\n予約枠の運用も。\n\n## 進め方\n\n順番に話します。"
)
# 08:30 on 5 December in Japan is still 4 December in UTC: the title and date are Japan's.
HELD_AT = timezone.make_aware(datetime(2025, 12, 5, 8, 30))


@pytest.fixture
def organizer(db):
    return MemberFactory(display_name="接種 花子", display_name_kana="せっしゅ はなこ")


@pytest.fixture
def co_organizer(db):
    return MemberFactory(display_name="予約 次郎", display_name_kana="よやく じろう")


@pytest.fixture
def vaccine_group(organizer, co_organizer):
    group = GroupFactory(owner=organizer, slug="vaccine", name="ワクチン接種体制")
    MembershipFactory(group=group, member=co_organizer)
    return group


def make_series(organizer, group, *, kind=Series.Kind.SESSION, rule="", title=TITLE):
    start = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    return services.series_create(
        author=organizer, group=group, title=title, description=DESCRIPTION, kind=kind,
        rule=rule, first_start=start, duration_minutes=90,
    )  # fmt: skip


def held(occurrence, at=HELD_AT) -> Occurrence:
    """The occurrence moved into the past, as if it had been held then."""
    Occurrence.objects.filter(pk=occurrence.pk).update(
        rule_start=at, starts_at=at, ends_at=at + timedelta(minutes=90)
    )
    occurrence.refresh_from_db()
    return occurrence


@pytest.fixture
def series(organizer, co_organizer, vaccine_group):
    series = make_series(organizer, vaccine_group)
    series.organizers.add(co_organizer)
    return series


@pytest.fixture
def occurrence(series):
    return held(series.occurrences.get())


def chat_room(occurrence) -> Room:
    """The occurrence's chat room. (events.services.room_for_occurrence makes one without a
    group, which chat.Room does not allow yet on this branch: here it gets a group of its own.)"""
    room = Room.objects.create(group=GroupFactory(slug=f"room-{occurrence.pk}"))
    Occurrence.objects.filter(pk=occurrence.pk).update(room=room)
    occurrence.room = room
    return room


def say(room, author, body, reply_to=None, deleted=False) -> Message:
    """A chat message as groups.chat.services.message_send stores it (numbered in the room)."""
    room.last_seq += 1
    room.last_change += 1
    room.save(update_fields=["last_seq", "last_change"])
    return Message.objects.create(
        room=room, seq=room.last_seq, change=room.last_change, author=author,
        client_id=f"c{room.last_seq}", body=body, body_html=f"<p>{body}</p>", reply_to=reply_to,
        created_at=HELD_AT + timedelta(minutes=room.last_seq),
        deleted_at=timezone.now() if deleted else None,
    )  # fmt: skip


@pytest.fixture
def chat(occurrence, organizer, co_organizer):
    """A session's chat: two questions (one answered in two replies, one not), small talk, a
    follow-up in the first question's thread and a deleted question."""
    room = chat_room(occurrence)
    asker, other = MemberFactory(display_name="質問 三郎"), MemberFactory(display_name="雑談 四郎")
    first = say(room, asker, "予約枠はどう配分していますか？")
    say(room, other, "こんばんは、よろしくお願いします。")
    answer = say(room, organizer, "高齢者を先にしています。", reply_to=first)
    say(room, asker, "それは全地区で同じですか?", reply_to=answer)
    say(room, co_organizer, "地区ごとに変えています。", reply_to=first)
    say(room, other, "会場の質問です。駐車場の確保について", reply_to=None)
    say(room, other, "消した質問？", deleted=True)
    return {"room": room, "asker": asker, "other": other}


# --- the draft ---------------------------------------------------------------------------------


def test_a_session_becomes_a_draft_filled_from_the_series_and_the_chat(
    occurrence, chat, organizer, co_organizer, vaccine_group
):
    made = from_events.session_notes_draft(actor=organizer, occurrence=occurrence)

    page = SessionNotesPage.objects.get(pk=made.pk)  # as stored
    assert list(page.get_latest_revision_as_object().questions.raw_data) == list(
        page.questions.raw_data
    )
    assert page.title == f"{TITLE} 2025年12月5日"
    assert str(page.date) == "2025-12-05"
    assert page.series == TITLE
    assert page.summary == "各自治体の接種体制の工夫を持ち寄ります。\n予約枠の運用も。"
    speakers = list(page.people.order_by("sort_order"))
    assert [(p.role, p.member) for p in speakers] == [
        (PagePerson.Role.SPEAKER, organizer), (PagePerson.Role.SPEAKER, co_organizer),
    ]  # fmt: skip
    # in the section of the series' group, made as the importer makes it
    section = page.get_parent().specific
    assert isinstance(section, SectionPage) and section.group == vaccine_group
    assert section.title == vaccine_group.name and section.live

    questions = [block.value for block in page.questions]
    assert [q["question"] for q in questions] == [
        "予約枠はどう配分していますか？", "会場の質問です。駐車場の確保について",
    ]  # fmt: skip
    assert questions[0]["asked_by"].startswith("質問 三郎")
    first_answer = questions[0]["answer"]
    assert "高齢者を先にしています。" in first_answer
    assert "それは全地区で同じですか?" in first_answer  # the follow-up stays in its thread
    assert "地区ごとに変えています。" in first_answer
    assert questions[1]["answer"] == ""  # left for the organizer to write

    body = {block.block_type: block.value for block in page.body}
    assert body["heading"]["text"] == "チャットの記録"
    transcript = body["text"]
    assert "**質問 三郎**" in transcript and "#1" in transcript
    assert "こんばんは、よろしくお願いします。" in transcript
    assert "質問 三郎さんの #1 への返信" in transcript
    assert "(削除されたメッセージ)" in transcript and "消した質問" not in transcript
    # the editor opens on it as it is
    editor = client_for(organizer).get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert editor.status_code == 200
    assert json.dumps("予約枠はどう配分していますか？") in html.unescape(editor.content.decode())


def test_the_draft_is_a_draft_owned_by_the_organizer(occurrence, organizer, vaccine_group):
    page = from_events.session_notes_draft(actor=organizer, occurrence=occurrence)

    page = KnowledgePage.objects.get(pk=page.pk)
    assert not page.live and page.has_unpublished_changes
    assert page.latest_revision is not None and page.owner == organizer
    assert page.first_published_at is None
    # not listed to readers, not served
    reader = MembershipFactory(group=vaccine_group).member
    assert not selectors.visible_pages(reader).filter(pk=page.pk).exists()
    assert client_for(reader).get(page.get_url()).status_code == 404
    assert selectors.occurrence_notes(reader, [occurrence.pk]) == {}
    # no chat: no questions, no transcript
    assert len(page.specific.questions) == 0 and len(page.specific.body) == 0


def test_the_organizer_edits_it_in_the_editor(occurrence, organizer):
    client = client_for(organizer)
    response = client.post(reverse("knowledge:from_event", args=[occurrence.pk]))

    page = OccurrenceNotes.objects.get(occurrence=occurrence).page
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_pages:edit", args=[page.pk])
    editor = client.get(response["Location"])
    assert editor.status_code == 200
    assert f"{TITLE} 2025年12月5日" in editor.content.decode()


def test_a_second_click_opens_the_same_draft(occurrence, organizer, co_organizer):
    first = from_events.session_notes_draft(actor=organizer, occurrence=occurrence)
    again = from_events.session_notes_draft(actor=organizer, occurrence=occurrence)
    by_the_other = client_for(co_organizer).post(
        reverse("knowledge:from_event", args=[occurrence.pk])
    )

    assert again.pk == first.pk
    assert by_the_other["Location"] == reverse("wagtailadmin_pages:edit", args=[first.pk])
    assert SessionNotesPage.objects.count() == 1 and OccurrenceNotes.objects.count() == 1
    # published since: still that page
    first.save_revision().publish()
    assert from_events.session_notes_draft(actor=organizer, occurrence=occurrence).pk == first.pk
    assert SessionNotesPage.objects.count() == 1


def test_a_closed_groups_notes_are_for_its_members(organizer):
    group = GroupFactory(owner=organizer, slug="kosodate", kind=Group.Kind.CLOSED)
    occurrence = held(make_series(organizer, group).occurrences.get())

    page = from_events.session_notes_draft(actor=organizer, occurrence=occurrence)

    assert list(PageGroupRestriction.objects.filter(page=page).values_list("group", flat=True)) == [
        group.pk
    ]
    assert not PageGroupRestriction.objects.filter(page=page.get_parent()).exists()


def test_a_secret_groups_section_is_for_its_members(organizer):
    group = GroupFactory(owner=organizer, slug="himitsu", name="秘密の会", kind=Group.Kind.SECRET)
    occurrence = held(make_series(organizer, group).occurrences.get())

    page = from_events.session_notes_draft(actor=organizer, occurrence=occurrence)

    section = page.get_parent()
    assert PageGroupRestriction.objects.filter(page=section, group=group).exists()
    outsider = MemberFactory()
    assert not selectors.visible_sections(outsider).filter(pk=section.pk).exists()


def test_a_broadcast_becomes_an_episode(organizer, vaccine_group):
    series = make_series(organizer, vaccine_group, kind=Series.Kind.BROADCAST,
                         rule="FREQ=WEEKLY;COUNT=4", title="朝の接種ラジオ")  # fmt: skip
    first, second, third, _fourth = series.occurrences.order_by("starts_at")
    for number, occurrence in enumerate((first, second, third)):
        held(occurrence, HELD_AT + timedelta(days=7 * number))
    room = chat_room(third)
    listener = MemberFactory(display_name="視聴 五郎")
    asked = say(room, listener, "次回のテーマを教えて")
    say(room, organizer, "副反応の相談窓口です。", reply_to=asked)

    page = from_events.session_notes_draft(actor=organizer, occurrence=third)

    assert isinstance(page, BroadcastPage) and not page.live
    assert page.title == "朝の接種ラジオ 2025年12月19日"
    assert page.episode_number == 3
    assert [(p.role, p.member) for p in page.people.all()] == [(PagePerson.Role.HOST, organizer)]
    assert page.chapters.count() == 0
    assert "視聴 五郎 (" in page.transcript and "**" not in page.transcript
    assert "副反応の相談窓口です。" in page.transcript
    (qa,) = [block.value for block in page.body]
    assert qa["question"] == "次回のテーマを教えて"
    assert "副反応の相談窓口です。" in qa["answer"]


def test_an_episode_is_numbered_among_those_held(organizer, vaccine_group):
    series = make_series(organizer, vaccine_group, kind=Series.Kind.BROADCAST,
                         rule="FREQ=WEEKLY;COUNT=3", title="朝の接種ラジオ")  # fmt: skip
    first, second, third = series.occurrences.order_by("starts_at")
    for number, occurrence in enumerate((first, second, third)):
        held(occurrence, HELD_AT + timedelta(days=7 * number))
    Occurrence.objects.filter(pk=first.pk).update(status=Occurrence.Status.CANCELLED)

    page = from_events.session_notes_draft(actor=organizer, occurrence=third)

    assert page.episode_number == 2


# --- who may, and when ------------------------------------------------------------------------


def test_a_non_organizer_gets_404_and_nothing_is_made(occurrence, vaccine_group):
    member = MembershipFactory(group=vaccine_group).member
    outsider = MemberFactory()
    url = reverse("knowledge:from_event", args=[occurrence.pk])

    for someone in (member, outsider):
        assert client_for(someone).post(url).status_code == 404
    assert (
        client_for(member).post(reverse("knowledge:from_event", args=[10**18])).status_code == 404
    )
    assert not OccurrenceNotes.objects.exists()
    assert not KnowledgePage.objects.filter(title__startswith=TITLE).exists()


def test_odd_requests_never_fail(occurrence, organizer):
    client = client_for(organizer)
    url = reverse("knowledge:from_event", args=[occurrence.pk])

    assert client.get(url).status_code == 405
    assert client.post(f"/knowledge/-/from-event/{'9' * 30}/").status_code == 404
    assert client.post("/knowledge/-/from-event/-1/").status_code == 404
    assert not OccurrenceNotes.objects.exists()


def test_no_notes_before_the_end_nor_for_a_cancelled_one(series, organizer):
    occurrence = series.occurrences.get()  # still to come
    client = client_for(organizer)
    url = reverse("knowledge:from_event", args=[occurrence.pk])

    response = client.post(url, follow=True)
    assert response.redirect_chain[0][0] == reverse("events:occurrence", args=[occurrence.pk])
    assert "記録は終了後に作れます。" in response.content.decode()
    held(occurrence)
    Occurrence.objects.filter(pk=occurrence.pk).update(status=Occurrence.Status.CANCELLED)
    assert client.post(url).status_code == 302
    assert not OccurrenceNotes.objects.exists()


def test_an_organizer_who_left_the_group_cannot_write_there(occurrence, co_organizer):
    co_organizer.memberships.all().delete()  # still an organizer, and the group is open

    response = client_for(co_organizer).post(
        reverse("knowledge:from_event", args=[occurrence.pk]), follow=True
    )

    assert "このグループのメンバーだけが記録を書けます。" in response.content.decode()
    assert not OccurrenceNotes.objects.exists()
    assert not SectionPage.objects.filter(group=occurrence.series.group).exists()


# --- the button and the links on the event pages -----------------------------------------------


def test_the_button_is_for_the_organizers_once_it_has_ended(series, organizer, vaccine_group):
    occurrence = series.occurrences.get()
    url = reverse("events:occurrence", args=[occurrence.pk])
    action = reverse("knowledge:from_event", args=[occurrence.pk])
    member = MembershipFactory(group=vaccine_group).member

    assert action not in client_for(organizer).get(url).content.decode()  # not held yet
    held(occurrence)
    assert action in client_for(organizer).get(url).content.decode()
    assert "ナレッジに記録を残す" in client_for(organizer).get(url).content.decode()
    assert action not in client_for(member).get(url).content.decode()


@pytest.fixture
def other_action():
    """An organizer's action registered the way another app would, taken away after the test."""
    action = extensions.register(extensions.OrganizerAction(
        key="test.survey", label="アンケートを送る", url_name="events:manage", order=10,
    ))  # fmt: skip
    yield action
    extensions.unregister(extensions.OrganizerAction, action.key)


def test_events_shows_what_the_apps_registered(occurrence, organizer, other_action):
    keys = [action.key for action in extensions.registered(extensions.OrganizerAction)]
    assert keys == ["test.survey", "knowledge.notes"]  # by order
    again = extensions.register(replace(other_action, label="アンケートを送り直す", order=200))
    assert extensions.registered(extensions.OrganizerAction)[-1] == again  # replaced, new order
    assert len(extensions.registered(extensions.OrganizerAction)) == 2
    assert [links.key for links in extensions.registered(extensions.OccurrenceLinks)] == [
        "knowledge.notes"
    ]

    page = client_for(organizer).get(reverse("events:occurrence", args=[occurrence.pk]))
    text = page.content.decode()
    assert text.index("ナレッジに記録を残す") < text.index("アンケートを送り直す")


def _published(occurrence, organizer, *, groups=(), title=None):
    page = from_events.session_notes_draft(actor=organizer, occurrence=occurrence)
    if title:
        page.title = page.draft_title = title
    for group in groups:
        PageGroupRestriction.objects.create(page=page, group=group)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def _past_list(client) -> str:
    response = client.get(reverse("events:index"), {"when": "past"})
    assert response.status_code == 200
    return response.content.decode()


def test_the_notes_link_appears_once_the_page_is_published(occurrence, organizer, vaccine_group):
    reader = client_for(MembershipFactory(group=vaccine_group).member)
    occurrence_url = reverse("events:occurrence", args=[occurrence.pk])

    page = from_events.session_notes_draft(actor=organizer, occurrence=occurrence)
    assert "記録(ナレッジ)" not in reader.get(occurrence_url).content.decode()
    assert "記録(ナレッジ)" not in _past_list(reader)

    page.save_revision().publish()
    page.refresh_from_db()
    shown = reader.get(occurrence_url).content.decode()
    assert "記録(ナレッジ)" in shown and f'href="{page.get_url()}"' in shown
    listed = _past_list(reader)
    assert "記録(ナレッジ)" in listed and f'href="{page.get_url()}"' in listed
    assert reader.get(page.get_url()).status_code == 200


def test_a_restricted_page_leaks_nothing_to_a_non_member(occurrence, organizer):
    """The event is in an open group, so everyone sees it; its notes are restricted to another
    group: the link, the page's title and its address are for that group's members alone."""
    circle = GroupFactory(slug="circle", name="接種研究会", kind=Group.Kind.CLOSED)
    insider, outsider = MemberFactory(), MemberFactory()
    MembershipFactory(group=circle, member=insider)
    page = _published(occurrence, organizer, groups=[circle], title="研究会だけの振り返り")
    occurrence_url = reverse("events:occurrence", args=[occurrence.pk])
    secrets = ("記録(ナレッジ)", "研究会だけの振り返り", page.get_url())

    for text in (client_for(outsider).get(occurrence_url).content.decode(),
                 _past_list(client_for(outsider))):  # fmt: skip
        assert not any(secret in text for secret in secrets), text
    assert extensions.links(outsider, [occurrence]) == {}
    for text in (client_for(insider).get(occurrence_url).content.decode(),
                 _past_list(client_for(insider))):  # fmt: skip
        assert f'href="{page.get_url()}"' in text


def test_the_past_list_costs_the_same_queries_however_many_rows(
    organizer, vaccine_group, django_assert_num_queries
):
    reader = client_for(MembershipFactory(group=vaccine_group).member)

    def add_sessions(count, start):
        for number in range(start, start + count):
            series = make_series(organizer, vaccine_group, title=f"情報交換会 第{number}回")
            occurrence = held(series.occurrences.get(), HELD_AT - timedelta(days=number))
            _published(occurrence, organizer, groups=[vaccine_group] if number % 2 else [])

    add_sessions(2, 0)
    _past_list(reader)  # warm: the per-process caches
    with CaptureQueriesContext(connection) as few:
        assert _past_list(reader).count("記録(ナレッジ)") == 2
    queries = len(few)  # now: the next request clears what was captured
    add_sessions(5, 2)
    _past_list(reader)
    with django_assert_num_queries(queries):
        assert _past_list(reader).count("記録(ナレッジ)") == 7


# --- at the same moment -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_once_make_one_page_and_one_section(organizer, co_organizer, vaccine_group):
    """Two organizers, the same occurrence, and two occurrences of the same group, at once (real
    threads and connections: the occurrence's row, and the group's while its section is made,
    are locked on PostgreSQL; SQLite queues the writes)."""
    first = held(make_series(organizer, vaccine_group).occurrences.get())
    second = held(make_series(organizer, vaccine_group, title="別の会").occurrences.get())
    Series.objects.get(pk=first.series_id).organizers.add(co_organizer)

    made = together([
        partial(from_events.session_notes_draft, actor=organizer, occurrence=first),
        partial(from_events.session_notes_draft, actor=co_organizer, occurrence=first),
        partial(from_events.session_notes_draft, actor=organizer, occurrence=second),
    ])  # fmt: skip

    assert not [result for result in made if isinstance(result, Exception)], made
    assert made[0].pk == made[1].pk != made[2].pk
    assert OccurrenceNotes.objects.count() == 2
    assert SectionPage.objects.filter(group=vaccine_group).count() == 1
    # the section there: pages of three occurrences at once each get their place under it
    more = [held(make_series(organizer, vaccine_group, title=f"第{n}回").occurrences.get())
            for n in range(3)]  # fmt: skip
    made = together([partial(from_events.session_notes_draft, actor=organizer, occurrence=o)
                     for o in more])  # fmt: skip
    assert not [result for result in made if isinstance(result, Exception)], made
    section = SectionPage.objects.get(group=vaccine_group)
    assert section.get_children().count() == 5 == section.numchild


def test_the_draft_as_made_can_be_published_with_its_unanswered_question(
    occurrence, chat, organizer
):
    """Wagtail refused to publish the draft as made: the question nobody answered had an empty
    required answer ("The page could not be saved due to validation errors")."""
    made = from_events.session_notes_draft(actor=organizer, occurrence=occurrence)
    page = SessionNotesPage.objects.get(pk=made.pk)
    page.questions.stream_block.clean(page.questions)  # what the editor checks on publishing
    page.get_latest_revision().publish()
    shown = client_for(organizer).get(page.url).content.decode()
    assert "駐車場の確保について" in shown and "まだ回答はありません。" in shown

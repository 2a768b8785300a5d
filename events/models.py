"""Study sessions and daily broadcasts: a series (with its recurrence rule), its occurrences,
the registration questions, registrations with their place in the waitlist or the lottery, and
each member's calendar feed token."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from groups.chat.models import Room
from groups.models import Group
from members.models import WorkField

MEMBER = settings.AUTH_USER_MODEL


class Series(models.Model):
    class Kind(models.TextChoices):
        SESSION = "session", _("勉強会・情報交換会")
        BROADCAST = "broadcast", _("ライブ配信")

    class Format(models.TextChoices):
        ONLINE = "online", _("オンライン")
        IN_PERSON = "in_person", pgettext_lazy("event format", "会場")
        HYBRID = "hybrid", _("ハイブリッド")

    class Mode(models.TextChoices):
        FIRST_COME = "first_come", _("先着順")
        LOTTERY = "lottery", _("抽選")

    group = models.ForeignKey(
        Group, verbose_name=_("グループ"), on_delete=models.CASCADE, related_name="event_series"
    )
    title = models.CharField(_("タイトル"), max_length=120)
    description = models.TextField(_("説明"), max_length=20_000, blank=True)
    kind = models.CharField(_("種類"), max_length=10, choices=Kind.choices, default=Kind.SESSION)
    format = models.CharField(
        _("開催形式"), max_length=10, choices=Format.choices, default=Format.ONLINE
    )
    work_fields = models.ManyToManyField(
        WorkField, verbose_name=_("分野"), blank=True, related_name="event_series"
    )
    organizers = models.ManyToManyField(
        MEMBER, verbose_name=_("運営者"), related_name="organized_series"
    )
    venue = models.CharField(_("会場"), max_length=200, blank=True)
    meeting_url = models.URLField(_("参加URL"), max_length=500, blank=True)
    capacity = models.PositiveIntegerField(_("定員"), default=100)
    mode = models.CharField(
        _("申込方式"), max_length=12, choices=Mode.choices, default=Mode.FIRST_COME
    )
    lottery_hours_before = models.PositiveIntegerField(_("抽選の締切(開始の何時間前)"), default=48)
    # The recurrence: an RFC 5545 RRULE (FREQ=WEEKLY;BYDAY=SA), from the first start, in JST.
    rule = models.CharField(_("繰り返し"), max_length=200, blank=True)
    first_start = models.DateTimeField(_("初回の開始"))
    duration_minutes = models.PositiveIntegerField(_("所要時間(分)"), default=90)
    repeat_until = models.DateField(_("繰り返しの終了日"), null=True, blank=True)
    created_by = models.ForeignKey(
        MEMBER, verbose_name=_("作成者"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("作成日時"), default=timezone.now)

    class Meta:
        verbose_name = _("イベントシリーズ")
        verbose_name_plural = _("イベントシリーズ")
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="series_capacity_positive"),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1), name="series_duration_positive"
            ),
        ]

    def __str__(self):
        return self.title


class Occurrence(models.Model):
    """One session of a series: its own time, capacity, registrations and chat room."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("開催予定")
        CANCELLED = "cancelled", _("中止")

    series = models.ForeignKey(
        Series, verbose_name=_("シリーズ"), on_delete=models.CASCADE, related_name="occurrences"
    )
    # The start the rule gave it: it keeps its registrations when moved or when the rule changes.
    rule_start = models.DateTimeField(_("繰り返しによる開始"))
    starts_at = models.DateTimeField(_("開始"))
    ends_at = models.DateTimeField(_("終了"))
    capacity = models.PositiveIntegerField(_("定員"))
    status = models.CharField(
        _("状態"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    lottery_closes_at = models.DateTimeField(_("抽選の締切"), null=True, blank=True)
    lottery_drawn_at = models.DateTimeField(_("抽選日時"), null=True, blank=True)
    lottery_seed = models.CharField(_("抽選のシード"), max_length=64, blank=True)
    confirmed_count = models.PositiveIntegerField(_("参加確定数"), default=0)
    last_position = models.PositiveIntegerField(default=0)  # arrival order of registrations
    room = models.OneToOneField(
        Room, verbose_name=_("チャットルーム"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="occurrence",
    )  # fmt: skip

    class Meta:
        verbose_name = _("開催回")
        verbose_name_plural = _("開催回")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["series", "rule_start"],
                                    name="one_occurrence_per_start"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                   name="occurrence_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1),
                                   name="occurrence_capacity_positive"),
            models.CheckConstraint(condition=Q(confirmed_count__lte=models.F("capacity")),
                                   name="occurrence_never_oversold"),
        ]  # fmt: skip
        indexes = [models.Index(fields=["starts_at"], name="occurrence_starts")]

    def __str__(self):
        return f"{self.series} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("終了は開始より後にしてください。")})

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_lottery(self) -> bool:
        return self.lottery_closes_at is not None

    @property
    def lottery_pending(self) -> bool:
        """A lottery not drawn yet: newcomers enter it. After the draw, the seats left go to
        whoever comes first (as connpass does), the others wait behind those not drawn."""
        return self.is_lottery and self.lottery_drawn_at is None


class Question(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", _("自由記述")
        CHOICE = "choice", _("選択")

    series = models.ForeignKey(
        Series, verbose_name=_("シリーズ"), on_delete=models.CASCADE, related_name="questions"
    )
    label = models.CharField(_("質問"), max_length=200)
    kind = models.CharField(_("形式"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    choices = models.TextField(_("選択肢(1行に1つ)"), blank=True)
    required = models.BooleanField(_("必須"), default=False)
    position = models.PositiveSmallIntegerField(_("並び順"), default=0)

    class Meta:
        verbose_name = _("申込時の質問")
        verbose_name_plural = _("申込時の質問")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.label

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("参加予定")
        WAITLISTED = "waitlisted", _("補欠")
        LOTTERY = "lottery", _("抽選待ち")
        CANCELLED = "cancelled", pgettext_lazy("registration status", "キャンセル")

    occurrence = models.ForeignKey(
        Occurrence, verbose_name=_("開催回"), on_delete=models.CASCADE,
        related_name="registrations",
    )  # fmt: skip
    member = models.ForeignKey(
        MEMBER, verbose_name=_("会員"), on_delete=models.CASCADE, related_name="registrations"
    )
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices)
    position = models.PositiveIntegerField(_("申込順"))
    answers = models.JSONField(_("回答"), default=dict, blank=True)
    registered_at = models.DateTimeField(_("申込日時"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("キャンセル日時"), null=True, blank=True)
    promoted_at = models.DateTimeField(_("繰り上げ日時"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("受付日時"), null=True, blank=True)
    attended = models.BooleanField(_("出席"), null=True, blank=True)
    reminded_day_before_at = models.DateTimeField(null=True, blank=True)
    reminded_hour_before_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("参加申込")
        verbose_name_plural = _("参加申込")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["occurrence", "member"], name="one_registration_each"),
            models.UniqueConstraint(fields=["occurrence", "position"], name="one_place_each"),
        ]
        indexes = [models.Index(fields=["member", "status"], name="registration_member_status")]

    def __str__(self):
        return f"{self.member} → {self.occurrence}"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.CONFIRMED, self.Status.WAITLISTED, self.Status.LOTTERY)


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarToken(models.Model):
    """The secret in a member's personal calendar feed URL; replaced to revoke the old URL."""

    member = models.OneToOneField(MEMBER, on_delete=models.CASCADE, related_name="calendar_token")
    token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("カレンダー配信の鍵")
        verbose_name_plural = _("カレンダー配信の鍵")

    def __str__(self):
        return str(self.member)

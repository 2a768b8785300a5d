from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityhall import notifications, translating
from members import handles, search


class Organization(models.Model):
    class Kind(models.TextChoices):
        PREFECTURE = "prefecture", _("都道府県")
        DESIGNATED_CITY = "designated_city", _("政令指定都市")
        CITY = "city", _("市")
        SPECIAL_WARD = "special_ward", _("特別区")
        TOWN = "town", _("町")
        VILLAGE = "village", _("村")
        NATIONAL = "national", _("国の機関")
        OTHER = "other", _("その他")

    name = models.CharField(_("名称"), max_length=100)
    kana = models.CharField(_("よみがな"), max_length=200, blank=True)
    kind = models.CharField(_("種別"), max_length=20, choices=Kind.choices)
    prefecture = models.ForeignKey(
        "self",
        verbose_name=_("都道府県"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="municipalities",
        limit_choices_to={"kind": "prefecture"},
    )
    lg_code = models.CharField(
        _("全国地方公共団体コード"), max_length=6, null=True, blank=True, unique=True
    )
    domain_label = models.CharField(
        _("ドメイン名のラベル"),
        max_length=63,
        blank=True,
        db_index=True,
        help_text=_("city.<ラベル>.lg.jp の <ラベル> の部分(例: kobe)。"),
    )
    domain_label_alt = models.CharField(
        _("ドメイン名のラベル(別表記)"),
        max_length=63,
        blank=True,
        db_index=True,
        help_text=_("読みの表記ゆれ(例: honjo と honjiyo)に備えた2つめのラベル。"),
    )

    class Meta:
        verbose_name = _("団体")
        verbose_name_plural = _("団体")
        ordering = ["lg_code", "name"]

    def __str__(self):
        # the prefecture read only where it shows: a designated city's list may not load it
        shown = self.prefecture_id and self.kind != self.Kind.DESIGNATED_CITY
        return organization_label(self.name, self.kind, self.prefecture.name if shown else "")


def organization_label(name: str, kind: str, prefecture: str) -> str:
    """An organization as members read its name: a town or city with its prefecture's name
    before it (葉山町: 神奈川県葉山町), except a designated city; ``prefecture``: "" for none.
    (For names read as values: a page of posts reads its authors' so.)"""
    if prefecture and kind != Organization.Kind.DESIGNATED_CITY:
        return f"{prefecture}{name}"
    return name


class OrganizationDomain(models.Model):
    """An email domain known to belong to one organization (and every name under it)."""

    domain = models.CharField(_("ドメイン"), max_length=253, unique=True)
    organization = models.ForeignKey(
        Organization, verbose_name=_("団体"), on_delete=models.CASCADE, related_name="domains"
    )

    class Meta:
        verbose_name = _("団体のメールドメイン")
        verbose_name_plural = _("団体のメールドメイン")
        ordering = ["domain"]

    def __str__(self):
        return self.domain

    def save(self, *args, **kwargs):
        self.domain = self.domain.strip().lower()
        super().save(*args, **kwargs)


class DomainRule(models.Model):
    """Which email domains count as government addresses. Deny rules win over allow rules."""

    class Match(models.TextChoices):
        SUFFIX = "suffix", _("このドメインの下の名前(ドメイン自体は除く)")
        EXACT = "exact", _("このドメインそのもの")
        TREE = "tree", _("このドメインとその下のすべての名前")
        GEOGRAPHIC = "geographic", _("地域型JPドメインの地方公共団体名(pref/metro/city/town/vill)")

    class Action(models.TextChoices):
        ALLOW = "allow", _("許可")
        DENY = "deny", _("拒否")

    domain = models.CharField(_("ドメイン"), max_length=253)
    match = models.CharField(_("一致のしかた"), max_length=20, choices=Match.choices)
    action = models.CharField(
        _("動作"), max_length=10, choices=Action.choices, default=Action.ALLOW
    )
    is_broad = models.BooleanField(
        _("範囲が広い(要見直し)"),
        default=False,
        help_text=_(
            "政府機関以外も含みうる規則です。必要なら拒否規則を追加して絞り込んでください。"
        ),
    )
    is_active = models.BooleanField(_("有効"), default=True)
    note = models.TextField(_("メモ"), blank=True)

    class Meta:
        verbose_name = _("ドメイン規則")
        verbose_name_plural = _("ドメイン規則")
        ordering = ["action", "domain"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "match", "action"], name="unique_domain_rule")
        ]

    def __str__(self):
        return f"{self.get_action_display()}: {self.domain} ({self.get_match_display()})"

    def save(self, *args, **kwargs):
        self.domain = self.domain.strip().lower().strip(".")
        super().save(*args, **kwargs)


class WorkField(models.Model):
    name = models.CharField(_("名称"), max_length=50, unique=True)
    position = models.PositiveSmallIntegerField(_("並び順"), default=0)

    class Meta:
        verbose_name = _("担当分野")
        verbose_name_plural = _("担当分野")
        ordering = ["position", "name"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """The name in the visitor's language: the default fields (members/defaults.py) are in
        the catalogue; one an administrator added shows as written. Remembered per language
        (cityhall.translating): a directory page or a profile form shows them all."""
        return translating.gettext(self.name)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    PRIVATE_FIELD_CHOICES = [
        ("department", _("所属部署")),
        ("work_fields", _("担当分野")),
        ("bio", _("自己紹介")),
        ("history", _("所属の履歴")),
        ("email", _("メールアドレス")),
    ]

    email = models.EmailField(_("メールアドレス"), unique=True)
    # NULL until the first save fills it in; unique among the filled ones.
    handle = models.CharField(  # noqa: DJ001
        _("ハンドル名"),
        max_length=40,
        unique=True,
        null=True,
        validators=[RegexValidator(r"^[a-z0-9][a-z0-9_.-]*$")],
        help_text=_("@で呼びかけるときの名前(半角英数字)。"),
    )
    display_name = models.CharField(_("氏名"), max_length=50, blank=True)
    display_name_kana = models.CharField(_("よみがな"), max_length=100, blank=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("所属団体"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    organization_confirmed = models.BooleanField(
        _("所属団体を確認済み"),
        default=False,
        help_text=_(
            "メールドメインから団体が判定できなかった会員は、管理者が確認するまで未確認です。"
        ),
    )
    department = models.CharField(_("局・部"), max_length=100, blank=True)
    section = models.CharField(_("課・室"), max_length=100, blank=True)
    team = models.CharField(_("係・担当"), max_length=100, blank=True)
    work_fields = models.ManyToManyField(WorkField, verbose_name=_("担当分野"), blank=True)
    bio = models.TextField(_("自己紹介"), max_length=1000, blank=True)
    avatar = models.ImageField(_("アイコン画像"), upload_to="avatars/%Y/%m/", blank=True)
    hide_department = models.BooleanField(_("所属部署を他の会員に見せない"), default=False)
    hide_work_fields = models.BooleanField(_("担当分野を他の会員に見せない"), default=False)
    hide_bio = models.BooleanField(_("自己紹介を他の会員に見せない"), default=False)
    hide_history = models.BooleanField(_("所属の履歴を他の会員に見せない"), default=False)
    hide_email = models.BooleanField(_("メールアドレスを他の会員に見せない"), default=True)
    is_site_moderator = models.BooleanField(_("サイトのモデレーター"), default=False)
    is_staff = models.BooleanField(_("管理画面に入れる"), default=False)
    is_active = models.BooleanField(_("有効"), default=True)
    # Copied from the member's current SiteSuspension so every request can check it for free.
    suspended_until = models.DateTimeField(
        _("利用停止の期限"), null=True, blank=True, editable=False
    )
    date_joined = models.DateTimeField(_("登録日時"), default=timezone.now)
    # What the directory and the @mention lookup search (members.search: normalised by
    # cityhall.text, with search.text's normalised forms and readings): the name, its reading
    # (kana and romaji), the handle and the organization; and apart from them the department,
    # work fields and bio as far as the member shows them to others.
    search_name = models.TextField(_("検索用の名前"), blank=True, editable=False)
    search_profile = models.TextField(_("検索用のプロフィール"), blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("会員")
        verbose_name_plural = _("会員")
        ordering = ["display_name_kana", "id"]
        # the directory's pages read off it in order, not a sort of every member
        indexes = [models.Index(fields=["display_name_kana", "id"], name="member_kana_order")]

    def __str__(self):
        return self.display_name or self.email

    def save(self, *args, **kwargs):
        if not self.handle:
            self.handle = handles.suggest(self.display_name_kana, handle_taken)
        update_fields = kwargs.get("update_fields")
        if update_fields is None or not search.SOURCE_FIELDS.isdisjoint(update_fields):
            self.search_name = search.name_text(self, self.organization)
            self.search_profile = search.profile_text(self, self._work_field_names())
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "search_name", "search_profile"}
        super().save(*args, **kwargs)

    def _work_field_names(self) -> list[str]:
        if self.pk is None or self.hide_work_fields:
            return []
        return [field.name for field in self.work_fields.all()]

    def get_full_name(self):
        return self.display_name

    def get_short_name(self):
        return self.display_name

    @property
    def department_label(self) -> str:
        return " ".join(p for p in (self.department, self.section, self.team) if p)

    @property
    def email_domain(self) -> str:
        return self.email.rpartition("@")[2]

    @property
    def private_fields(self) -> list[str]:
        choices = self.PRIVATE_FIELD_CHOICES
        return [name for name, _label in choices if getattr(self, f"hide_{name}")]


def handle_taken(handle: str, member=None) -> bool:
    """In use by another member, or once used by another member (former handles stay theirs)."""
    others = User.objects.exclude(pk=getattr(member, "pk", None))
    former = FormerHandle.objects.exclude(member_id=getattr(member, "pk", None))
    return others.filter(handle__iexact=handle).exists() or former.filter(handle=handle).exists()


class FormerHandle(models.Model):
    """A handle a member used before. ``/members/@old`` and @old in earlier posts still lead to
    them, and nobody else may ever take it (the member may take it back). One made from the
    email address (``from_email``) leads nowhere: it would tell whoever guesses an address
    whose it is; the mentions of it were rewritten to the new handle."""

    handle = models.CharField(_("ハンドル名"), max_length=40, unique=True)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("会員"),
        on_delete=models.CASCADE,
        related_name="former_handles",
    )
    retired_at = models.DateTimeField(_("変更日時"), default=timezone.now)
    from_email = models.BooleanField(_("メールアドレスから作られた"), default=False)

    class Meta:
        verbose_name = _("以前のハンドル名")
        verbose_name_plural = _("以前のハンドル名")

    def __str__(self):
        return f"@{self.handle}"


class SiteSuspension(models.Model):
    """A site moderator barred a member from the whole site for a while (``until`` empty: until
    lifted). Kept after it ends, as the record of who did what and why."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("会員"),
        on_delete=models.CASCADE,
        related_name="site_suspensions",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("停止した人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("理由"), max_length=1000)
    created_at = models.DateTimeField(_("停止日時"), default=timezone.now)
    until = models.DateTimeField(_("期限"), null=True, blank=True)
    lifted_at = models.DateTimeField(_("解除日時"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("解除した人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("サイト全体の利用停止")
        verbose_name_plural = _("サイト全体の利用停止")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.member} ({self.created_at:%Y-%m-%d})"

    @property
    def ends_at(self):
        return self.lifted_at or self.until

    @property
    def is_current(self) -> bool:
        return self.lifted_at is None and (self.until is None or self.until > timezone.now())


# Stored in User.suspended_until for a suspension without an end; far enough to never pass,
# near enough that every database and time zone can hold it.
SUSPENDED_INDEFINITELY = datetime(2999, 12, 31, tzinfo=UTC)


class Posting(models.Model):
    """One stretch of a member's career: an organization and department from a date to a date."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("会員"),
        on_delete=models.CASCADE,
        related_name="postings",
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("団体"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.CharField(_("局・部"), max_length=100, blank=True)
    section = models.CharField(_("課・室"), max_length=100, blank=True)
    team = models.CharField(_("係・担当"), max_length=100, blank=True)
    started_on = models.DateField(_("開始日"))
    ended_on = models.DateField(_("終了日"), null=True, blank=True)

    class Meta:
        verbose_name = _("所属の履歴")
        verbose_name_plural = _("所属の履歴")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(ended_on__isnull=True),
                name="one_current_posting_per_member",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="posting_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.organization} {self.department_label}"

    @property
    def where(self) -> tuple[str, str, str]:
        return (self.department, self.section, self.team)

    @property
    def department_label(self) -> str:
        return " ".join(p for p in (self.department, self.section, self.team) if p)


class Notification(models.Model):
    """Something to tell a member. Its ``kind`` is one of the kinds the apps register
    (cityhall.notifications), which says what it is called and what it says."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受信者"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("種類"), max_length=40, choices=notifications.choices)
    params = models.JSONField(_("内容のパラメータ"), default=dict, blank=True)
    url = models.CharField(_("リンク先"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("日時"), default=timezone.now)
    read_at = models.DateTimeField(_("既読日時"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("メール送信日時"), null=True, blank=True)
    # What it is about ("groups.post" and its id), so that it is shown only while the
    # recipient may still see that (members.notification_subjects).
    subject_type = models.CharField(_("対象の種類"), max_length=100, blank=True)
    subject_id = models.PositiveBigIntegerField(_("対象のID"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return self.text

    @property
    def text(self) -> str:
        """What it says, in the reader's language."""
        return notifications.text(self.kind, self.params)


class NotificationPreference(models.Model):
    """Whether a kind of notification shows in the app and/or is mailed. Missing rows mean the
    defaults of the kind (cityhall.notifications): mostly in the app, and by mail for what
    concerns the member directly."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("種類"), max_length=40, choices=notifications.choices)
    in_app = models.BooleanField(_("画面で知らせる"), default=True)
    email = models.BooleanField(_("メールで知らせる"), default=True)

    class Meta:
        verbose_name = _("通知の設定")
        verbose_name_plural = _("通知の設定")
        constraints = [
            models.UniqueConstraint(fields=["member", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self):
        return f"{self.member} {self.kind}"

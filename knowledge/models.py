"""The knowledge base's pages (Wagtail): a home, a section per field or group, and three kinds
of page under a section. Who may see a page is decided in knowledge/policies.py from the
topic groups named by PageGroupRestriction rows on the page and on its ancestors."""

import re
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page, PageViewRestriction

from knowledge.blocks import BodyBlock, MaterialsBlock, QuestionsBlock

MEMBER = settings.AUTH_USER_MODEL
HOME_URL_PATH = "/knowledge/"  # the knowledge home's url_path, also its address
RESTRICTION_PANEL = InlinePanel(
    "group_restrictions",
    heading=_("公開範囲(空欄なら会員全員)"),
    label=_("このグループのメンバーだけに公開"),
)


class ServedPage(Page):
    """What knowledge.serving needs of every knowledge page type."""

    wagtail_restricted = None  # paths under Wagtail's privacy setting, set by knowledge.serving

    class Meta:
        abstract = True

    def get_url(self, request=None, current_site=None):
        """The page's address without asking for the site: the knowledge home (url_path
        /knowledge/, a slug it keeps) is the one site's root and is served at /knowledge/, so
        a page's address is its url_path (Wagtail's way asks the database for the site on
        each request)."""
        if self.url_path.startswith(HOME_URL_PATH):
            return iri_to_uri(self.url_path)
        return super().get_url(request, current_site)

    def get_view_restrictions(self):
        """Wagtail's own view restrictions on this page and its ancestors, asked of the
        database only when one of those paths has any."""
        paths = self.wagtail_restricted
        if paths is not None and not any(self.path.startswith(path) for path in paths):
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()


class KnowledgeHomePage(ServedPage):
    intro = models.TextField(_("紹介文"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    settings_panels = [*Page.settings_panels, RESTRICTION_PANEL]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["knowledge.SectionPage"]
    max_count = 1

    class Meta:
        verbose_name = _("ナレッジのトップ")

    def clean(self):
        super().clean()
        if self.slug != HOME_URL_PATH.strip("/"):  # pages are found by url_path (serving)
            raise ValidationError({"slug": _("ナレッジのトップのURL名は変えられません。")})

    def get_context(self, request, *args, **kwargs):
        from knowledge import reading

        return {**super().get_context(request, *args, **kwargs), **reading.home(request, self)}


class SectionPage(ServedPage):
    """A field (財政, 債権回収 …) or a topic group; its moderators review what is written here."""

    group = models.ForeignKey(
        "groups.Group", verbose_name=_("グループ"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="knowledge_sections",
    )  # fmt: skip
    work_field = models.ForeignKey(
        "members.WorkField", verbose_name=_("担当分野"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="knowledge_sections",
    )  # fmt: skip
    intro = models.TextField(_("紹介文"), blank=True)
    start_here = StreamField(
        BodyBlock(), verbose_name=_("はじめての方へ(異動してきた人向け)"), blank=True
    )

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("group"), FieldPanel("work_field")], heading=_("対象")),
        FieldPanel("intro"),
        FieldPanel("start_here"),
    ]
    settings_panels = [*Page.settings_panels, RESTRICTION_PANEL]
    parent_page_types = ["knowledge.KnowledgeHomePage"]
    subpage_types = [
        "knowledge.ArticlePage", "knowledge.SessionNotesPage", "knowledge.BroadcastPage"
    ]  # fmt: skip

    class Meta:
        verbose_name = _("セクション")

    def get_context(self, request, *args, **kwargs):
        from knowledge import reading

        return {**super().get_context(request, *args, **kwargs), **reading.section(request, self)}


class KnowledgePage(ServedPage):
    """What every article, session notes page and broadcast episode has; listings, archives and
    tags read this table alone."""

    class Kind(models.TextChoices):
        ARTICLE = "article", _("業務ノウハウ")
        NOTES = "notes", _("勉強会・情報交換会の記録")
        BROADCAST = "broadcast", _("ライブ配信アーカイブ")

    kind = models.CharField(_("種類"), max_length=10, choices=Kind.choices, editable=False)
    date = models.DateField(_("日付"), default=date.today, db_index=True)
    summary = models.TextField(_("要約"), blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("本文"), blank=True)
    tags = ClusterTaggableManager(through="knowledge.KnowledgePageTag", blank=True)
    # The imported file this page came from (import_knowledge): the same file, the same page.
    import_key = models.CharField(_("取り込み元"), max_length=255, blank=True, db_index=True,
                                  editable=False)  # fmt: skip

    is_creatable = False
    parent_page_types = ["knowledge.SectionPage"]
    subpage_types = []
    promote_panels = [*Page.promote_panels, FieldPanel("tags")]
    settings_panels = [*Page.settings_panels, RESTRICTION_PANEL]
    KIND = ""

    class Meta:
        verbose_name = _("ナレッジのページ")
        indexes = [
            models.Index(fields=["kind", "-date"]),
            # A listing's ids in date order read off indexes alone, with the path, depth and
            # live index on Wagtail's pages (migration 0008): a section of 2,000 pages 3.5 →
            # 1.7 ms on SQLite (bench/pages.py, the section's first, "cold", request).
            models.Index(fields=["page_ptr", "date"], name="knowledge_page_dated"),
        ]

    def save(self, *args, **kwargs):
        if self.KIND:
            self.kind = self.KIND
        super().save(*args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from knowledge import reading

        return {**super().get_context(request, *args, **kwargs), **reading.detail(request, self)}

    @property
    def card_tags(self) -> list:
        """The tags its card shows: read with the listing (selectors.with_card_tags), else now."""
        tags = self.__dict__.get("tags_for_card")
        return list(self.tags.all()) if tags is None else tags


class ArticlePage(KnowledgePage):
    KIND = KnowledgePage.Kind.ARTICLE
    last_reviewed = models.DateField(_("最終確認日"), null=True, blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("date"),
        FieldPanel("last_reviewed"),
        InlinePanel("people", heading=_("担当者(このページの持ち主)"), label=_("担当者")),
        FieldPanel("summary"),
        FieldPanel("body"),
        InlinePanel("related_topics", heading=_("関連するトピック"), label=_("トピック")),
    ]

    class Meta:
        verbose_name = _("業務ノウハウ")

    @property
    def needs_review(self) -> bool:
        """Not reviewed for 12 months: laws and practice change."""
        reviewed = self.last_reviewed or self.date
        return reviewed <= a_year_before(timezone.localdate()) if reviewed else False


def a_year_before(day: date) -> date:
    """The same day a year earlier; 28 February for 29 February."""
    return day.replace(year=day.year - 1, day=min(day.day, 28 if day.month == 2 else day.day))


class SessionNotesPage(KnowledgePage):
    KIND = KnowledgePage.Kind.NOTES
    series = models.CharField(_("シリーズ"), max_length=120, blank=True)
    questions = StreamField(QuestionsBlock(), verbose_name=_("質疑応答"), blank=True)
    materials = StreamField(MaterialsBlock(), verbose_name=_("スライド・配布資料"), blank=True)
    chat_transcript_url = models.CharField(
        _("チャットの記録"), max_length=300, blank=True,
        help_text=_("このサイトのチャットルームのアドレス(/ で始まる)"),
    )  # fmt: skip

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("date"), FieldPanel("series")], heading=_("開催")),
        InlinePanel("people", heading=_("発表者"), label=_("発表者")),
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("questions"),
        FieldPanel("materials"),
        FieldPanel("chat_transcript_url"),
    ]

    class Meta:
        verbose_name = _("勉強会・情報交換会の記録")

    def clean(self):
        super().clean()
        url = self.chat_transcript_url
        if url and (not url.startswith("/") or url.startswith("//")):
            raise ValidationError(
                {"chat_transcript_url": _("このサイトのアドレス(/ で始まる)を入れてください。")}
            )


class BroadcastPage(KnowledgePage):
    KIND = KnowledgePage.Kind.BROADCAST
    episode_number = models.PositiveIntegerField(_("回"), null=True, blank=True)
    recording = models.ForeignKey(
        "knowledge.Recording", verbose_name=_("録画・録音"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    transcript = models.TextField(_("文字起こし"), blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("date"), FieldPanel("episode_number")], heading=_("配信")),
        InlinePanel("people", heading=_("出演者"), label=_("出演者")),
        FieldPanel("recording"),
        InlinePanel("chapters", heading=_("チャプター"), label=_("チャプター")),
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("transcript"),
    ]

    class Meta:
        verbose_name = _("ライブ配信アーカイブ")


class KnowledgePageTag(TaggedItemBase):
    content_object = ParentalKey(
        KnowledgePage, on_delete=models.CASCADE, related_name="tagged_items"
    )

    class Meta:
        # The tag counts (knowledge.selectors.home_tallies) read a tag's pages off this index
        # alone (10,000 pages: 31 → 26 ms).
        indexes = [models.Index(fields=["tag", "content_object"], name="knowledge_tag_pages")]


class PagePerson(Orderable):
    """A speaker, host, guest or owner: a member, or a guest named in words."""

    class Role(models.TextChoices):
        OWNER = "owner", _("担当者")
        SPEAKER = "speaker", _("発表者")
        HOST = "host", _("司会")
        GUEST = "guest", _("ゲスト")

    page = ParentalKey(KnowledgePage, on_delete=models.CASCADE, related_name="people")
    role = models.CharField(_("役割"), max_length=10, choices=Role.choices, default=Role.SPEAKER)
    member = models.ForeignKey(
        MEMBER, verbose_name=_("会員"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="knowledge_roles",
    )  # fmt: skip
    name = models.CharField(_("名前(会員でない方)"), max_length=100, blank=True)
    affiliation = models.CharField(_("所属"), max_length=120, blank=True)

    panels = [FieldPanel("role"), FieldPanel("member"), FieldPanel("name"),
              FieldPanel("affiliation")]  # fmt: skip

    def clean(self):
        if not self.member_id and not self.name.strip():
            raise ValidationError(_("会員を選ぶか、名前を入れてください。"))

    @property
    def display_name(self) -> str:
        return self.member.display_name if self.member_id else self.name


_TIMESTAMP = re.compile(r"^(?:(\d{1,2}):)?([0-5]?\d):([0-5]\d)$")


def parse_timestamp(text: str) -> int | None:
    """「1:02:03」 or 「12:34」 → seconds; None if it is not a time stamp."""
    match = _TIMESTAMP.match(text.strip())
    if not match:
        return None
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


class Chapter(Orderable):
    page = ParentalKey(BroadcastPage, on_delete=models.CASCADE, related_name="chapters")
    start = models.CharField(_("開始(分:秒)"), max_length=8, help_text=_("例: 12:34 / 1:02:03"))
    seconds = models.PositiveIntegerField(editable=False, default=0)
    title = models.CharField(_("タイトル"), max_length=120)

    panels = [FieldPanel("start"), FieldPanel("title")]

    def clean(self):
        seconds = parse_timestamp(self.start)
        if seconds is None:
            raise ValidationError({"start": _("「12:34」や「1:02:03」の形で入れてください。")})
        self.seconds = seconds

    def save(self, *args, **kwargs):
        self.seconds = parse_timestamp(self.start) or 0
        super().save(*args, **kwargs)


class RelatedTopic(Orderable):
    page = ParentalKey(ArticlePage, on_delete=models.CASCADE, related_name="related_topics")
    """A topic in a group, by its address: readers see it only if they may read the group."""

    url = models.CharField(_("トピックのアドレス"), max_length=300,
                           help_text=_("例: /groups/finance/t/12-..."))  # fmt: skip
    topic = models.ForeignKey(
        "groups.Topic", on_delete=models.CASCADE, related_name="+", editable=False
    )

    panels = [FieldPanel("url")]

    def clean(self):
        match = re.search(r"/groups/[^/]+/t/(\d+)", self.url)
        from groups.models import Topic

        topic = Topic.objects.filter(pk=match.group(1)).first() if match else None
        if topic is None:
            raise ValidationError({"url": _("トピックのアドレスが見つかりません。")})
        self.topic = topic


class PageGroupRestriction(Orderable):
    """Restricts a page, and every page under it, to the members of its groups (any of them)."""

    page = ParentalKey(Page, on_delete=models.CASCADE, related_name="group_restrictions")
    group = models.ForeignKey(
        "groups.Group", verbose_name=_("グループ"), on_delete=models.CASCADE,
        related_name="knowledge_restrictions",
    )  # fmt: skip

    panels = [FieldPanel("group")]

    class Meta:
        verbose_name = _("公開範囲")
        constraints = [
            models.UniqueConstraint(fields=["page", "group"], name="one_restriction_per_group")
        ]


class Recording(models.Model):
    """A video or audio file of a broadcast or a session, served with HTTP Range by
    knowledge.media to members who may see a page that plays it."""

    title = models.CharField(_("タイトル"), max_length=200)
    file = models.FileField(_("ファイル"), upload_to="recordings/%Y/%m/", editable=False)
    content_type = models.CharField(_("形式"), max_length=60, editable=False)
    size = models.BigIntegerField(_("サイズ(バイト)"), default=0, editable=False)
    uploaded_by = models.ForeignKey(
        MEMBER, verbose_name=_("アップロードした人"), null=True, on_delete=models.SET_NULL,
        related_name="+", editable=False,
    )  # fmt: skip
    uploaded_at = models.DateTimeField(_("アップロード日時"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("録画・録音")
        verbose_name_plural = _("録画・録音")
        ordering = ["-uploaded_at"]

    def __str__(self):
        return self.title

    @property
    def is_video(self) -> bool:
        return self.content_type.startswith("video/")


class ImportedTopic(models.Model):
    """A topic that import_knowledge made from a file (kind: topic): the same file, the same
    topic. (Pages keep their file's key in KnowledgePage.import_key.)"""

    key = models.CharField(_("取り込み元"), max_length=255, unique=True)
    topic = models.OneToOneField(
        "groups.Topic", on_delete=models.CASCADE, related_name="import_record"
    )

    class Meta:
        verbose_name = _("取り込んだトピック")
        verbose_name_plural = _("取り込んだトピック")

    def __str__(self):
        return self.key


class OccurrenceNotes(models.Model):
    """The page an event's organizer started from one occurrence (knowledge.from_events): the
    same occurrence opens the same page again. Goes with the occurrence or the page."""

    occurrence = models.OneToOneField(
        "events.Occurrence", verbose_name=_("開催回"), on_delete=models.CASCADE, related_name="+"
    )
    page = models.OneToOneField(
        KnowledgePage, verbose_name=_("ページ"), on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(
        MEMBER, verbose_name=_("作成者"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("作成日時"), default=timezone.now)

    class Meta:
        verbose_name = _("開催回の記録")
        verbose_name_plural = _("開催回の記録")

    def __str__(self):
        return f"{self.occurrence_id} → {self.page_id}"


class ContentVersion(models.Model):
    """A random token that every change to knowledge pages, their tags and their restrictions
    replaces, inside the change's own transaction (knowledge.tallies): counts kept under an
    older token are never read again. Random, not a counter, so that a rolled-back change's
    token never comes back for different content."""

    value = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("ナレッジの版")
        verbose_name_plural = _("ナレッジの版")

    def __str__(self):
        return self.value


class TallySnapshot(models.Model):
    """The knowledge base's counts over every page (pages by month and kind, pages by tag) at
    one content version, stored by the first reader at that version (knowledge.selectors
    .home_tallies): each process then reads them once per version, with the counts of each
    restricted page's subtree, which a reader takes away for the pages hidden from them.
    Every change removes them with the version it replaces (content_version_replace), and the
    counts are read in the same statement as the version they are stored under."""

    version = models.CharField(max_length=32, unique=True)
    rows = models.JSONField()

    class Meta:
        verbose_name = _("ナレッジの件数")
        verbose_name_plural = _("ナレッジの件数")

    def __str__(self):
        return self.version

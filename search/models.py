from django.db import models
from django.utils.translation import gettext_lazy as _


class Entry(models.Model):
    """A document in the embedded index. The words themselves live beside it in the
    database's own full-text index (SQLite FTS5 table ``search_fts`` keyed by this id, or the
    ``vector`` tsvector column on PostgreSQL), both made by migration 0001."""

    generation = models.PositiveIntegerField(_("世代"), db_index=True)
    key = models.CharField(_("キー"), max_length=64)
    kind = models.CharField(_("種類"), max_length=32)
    title = models.CharField(_("タイトル"), max_length=300)
    url = models.CharField(_("URL"), max_length=500)
    date = models.DateTimeField(_("日時"))
    group_id = models.BigIntegerField(_("グループ"), null=True)
    organization_id = models.BigIntegerField(_("組織"), null=True)
    solved = models.BooleanField(_("解決済み"), default=False)
    audience_0 = models.CharField(max_length=64)
    audience_1 = models.CharField(max_length=64)
    audience_2 = models.CharField(max_length=64)
    audience_3 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("検索インデックスの文書")
        verbose_name_plural = _("検索インデックスの文書")
        constraints = [
            models.UniqueConstraint(fields=["generation", "key"], name="search_entry_once"),
        ]

    def __str__(self):
        return f"{self.key} ({self.generation})"


class EntryBody(models.Model):
    """An entry's body, kept apart: a search walks many entries and reads few bodies, so the
    entries' rows stay narrow, many to a page. Same id as its entry."""

    id = models.BigIntegerField(primary_key=True)
    body = models.TextField(_("本文"))

    class Meta:
        verbose_name = _("検索インデックスの本文")
        verbose_name_plural = _("検索インデックスの本文")

    def __str__(self):
        return str(self.id)


class IndexState(models.Model):
    """One row: which generation of the embedded index searches read, and which one a
    reindex is building (changes are written to both while it runs)."""

    active = models.PositiveIntegerField(default=1)
    building = models.PositiveIntegerField(null=True)

    class Meta:
        verbose_name = _("検索インデックスの状態")
        verbose_name_plural = _("検索インデックスの状態")

    def __str__(self):
        return f"{self.active} / {self.building}"


class Outbox(models.Model):
    """A document whose index entry must be written again, recorded in the same transaction as
    the change; the drain task (search.tasks.outbox_drain) empties it. ``hides``: the change
    may hide the document from someone (deleted, restricted), so searches leave it out until
    it is drained."""

    key = models.CharField(_("キー"), max_length=64)
    hides = models.BooleanField(default=False)
    attempts = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("検索の送信待ち")
        verbose_name_plural = _("検索の送信待ち")
        indexes = [models.Index(fields=["key"], name="search_outbox_key")]

    def __str__(self):
        return self.key

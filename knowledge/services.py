"""Every write of the knowledge base that is not an editor's form in /cms/."""

import uuid

from django.db import DatabaseError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.models import Collection, Locale, Page, Site

from groups.models import Group
from knowledge.models import (
    ContentVersion,
    KnowledgeHomePage,
    PageGroupRestriction,
    SectionPage,
    TallySnapshot,
)


@transaction.atomic
def ensure_home() -> KnowledgeHomePage:
    """The knowledge home at /knowledge/ and Wagtail's tree, site, locale and root collection
    under it: made by the migrations, and made again here after a test flushed them."""
    home = KnowledgeHomePage.objects.first()
    if home is not None:
        return home
    Locale.objects.get_or_create(language_code="ja")
    if not Collection.objects.exists():
        Collection.add_root(name="Root")
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    home = root.add_child(instance=KnowledgeHomePage(
        title=_("ナレッジ"), slug="knowledge",
        intro=_("勉強会の記録、業務ノウハウ、ライブ配信のアーカイブ。"),
    ))  # fmt: skip
    Site.objects.all().delete()
    Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True,
                        site_name="オンライン市役所")  # fmt: skip
    return home


def content_version_replace() -> None:
    """A new random token for the content version (knowledge.tallies): random, so that the token
    of a rolled-back change never comes back for different content."""
    value = uuid.uuid4().hex
    if not ContentVersion.objects.filter(pk=1).update(value=value):
        ContentVersion.objects.update_or_create(pk=1, defaults={"value": value})
    TallySnapshot.objects.all().delete()


def tally_snapshot_store(version: str, rows: list) -> None:
    """Every page's counts, counted at ``version``, for the next reader at that version
    (knowledge.selectors.home_tallies); the first of two readers at once stores them."""
    try:
        with transaction.atomic():
            TallySnapshot.objects.bulk_create([TallySnapshot(version=version, rows=rows)],
                                              ignore_conflicts=True)  # fmt: skip
    except DatabaseError:  # another writer holds the database: counted again next time
        pass


@transaction.atomic
def section_for_group(group: Group) -> SectionPage:
    """The group's section under the knowledge home, made (and published) the first time: by
    the importer and for an event's notes. A secret group's section is for its members alone
    (its title is the group's name, which nobody else may know). Made once: the group's row is
    locked while it is made (two notes of the group's events started at once)."""
    section = SectionPage.objects.filter(group=group).order_by("path").first()
    if section is not None:
        return section
    list(Group.objects.select_for_update().filter(pk=group.pk).values_list("pk"))
    section = SectionPage.objects.filter(group=group).order_by("path").first()
    if section is not None:
        return section
    home = ensure_home()
    section = SectionPage(title=group.name, slug=free_slug(home, group.slug), group=group)
    home.add_child(instance=section)
    if group.kind == Group.Kind.SECRET:
        PageGroupRestriction.objects.create(page=section, group=group)
    section.save_revision().publish()
    return section


def free_slug(parent, title: str, fallback: str = "page") -> str:
    """The title's slug, with -2, -3 … if a sibling has it: two pages with the same title both
    go in."""
    base = slugify(title, allow_unicode=True)[:80].strip("-") or slugify(fallback) or "page"
    taken = set(parent.get_children().filter(slug__startswith=base)
                .values_list("slug", flat=True))  # fmt: skip
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug

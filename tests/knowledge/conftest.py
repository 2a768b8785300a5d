from dataclasses import dataclass

import pytest

from groups.models import Group
from knowledge.models import ArticlePage, PageGroupRestriction, SectionPage
from knowledge.services import ensure_home
from tests.factories import GroupFactory, MemberFactory, MembershipFactory


def add_page(parent, page, *, groups=(), publish=True):
    """``page`` added under ``parent`` (published unless told), restricted to ``groups``."""
    parent.add_child(instance=page)
    for group in groups:
        PageGroupRestriction.objects.create(page=page, group=group)
    if publish:
        page.save_revision().publish()
    return page


@dataclass
class World:
    group: Group
    insider: object
    outsider: object
    section: SectionPage
    open_page: ArticlePage
    secret_page: ArticlePage
    secret_section: SectionPage
    page_in_secret_section: ArticlePage


SECRET = "ヒミツノコトバ"


@pytest.fixture
def world(db):
    """A group's member and an outsider; a section with an open page and a page restricted to
    the group; a section restricted to the group with a page under it."""
    home = ensure_home()
    group = GroupFactory(slug="salon", name="子育てサロン", kind=Group.Kind.CLOSED)
    insider, outsider = MemberFactory(), MemberFactory()
    MembershipFactory(group=group, member=insider)
    section = add_page(home, SectionPage(title="財政", slug="finance"))
    open_page = add_page(section, ArticlePage(
        title="中期財政計画の作り方", slug="plan", summary="財政の見通し",
        body=[("text", "経常収支比率を見る")],
    ))  # fmt: skip
    secret_page = add_page(section, ArticlePage(
        title="サロンの内部メモ", slug="memo", summary=SECRET, body=[("text", SECRET)],
    ), groups=[group])  # fmt: skip
    secret_section = add_page(home, SectionPage(title="子育てサロン", slug="salon",
                                                group=group), groups=[group])  # fmt: skip
    page_in_secret_section = add_page(secret_section, ArticlePage(
        title="サロンの年間計画", slug="year", body=[("text", SECRET)],
    ))  # fmt: skip
    return World(group, insider, outsider, section, open_page, secret_page, secret_section,
                 page_in_secret_section)  # fmt: skip

"""A page under Wagtail's own privacy setting of the "password" or "groups" kind is opened by
whoever passes Wagtail's check (and so are the files it shows), and listed for site moderators
alone: no listing, count, feed, related list, archive, search or editor's screen tells a member
its title. The "login" kind, which every member passes, hides nothing."""

import json
from datetime import date

import pytest
from django.contrib.auth.models import Group as AuthGroup
from django.urls import reverse
from wagtail.models import PageViewRestriction

from knowledge import policies
from knowledge.models import ArticlePage
from members.models import WorkField
from search import outbox
from search.services import Filters, search
from tests.factories import MemberFactory
from tests.groups.conftest import client_for
from tests.knowledge.conftest import add_page

pytestmark = pytest.mark.django_db
TITLE = "議会答弁の下書き"
BODY = "答弁案の第三稿"
PASSWORD = "hiraku-2026"


def _restrict(page, kind: str) -> PageViewRestriction:
    restriction = PageViewRestriction.objects.create(page=page, restriction_type=kind,
                                                     password=PASSWORD)  # fmt: skip
    if kind == "groups":
        restriction.groups.add(AuthGroup.objects.get_or_create(name="議会対応")[0])
    return restriction


def _private(world, kind: str, body=(("text", BODY),)):
    """The open page and a page restricted by Wagtail both tagged 「共有」; the restricted one
    alone in June 2024."""
    world.open_page.tags.add("共有")
    world.open_page.date = date(2024, 5, 1)
    world.open_page.save_revision().publish()
    page = ArticlePage(title=TITLE, slug="touben", date=date(2024, 6, 21), body=list(body))
    add_page(world.section, page, publish=False)
    page.tags.add("共有")
    page.save_revision().publish()
    _restrict(page, kind)
    return page


@pytest.fixture
def moderator(world):
    """A site moderator; they and the member work in the field of the section (the home page's
    panel lists the sections of their fields)."""
    moderator = MemberFactory(is_staff=True, is_superuser=True)
    finance = WorkField.objects.get(name="財政")
    world.section.work_field = finance
    world.section.save_revision().publish()
    for member in (moderator, world.outsider):
        member.work_fields.set([finance])
    return moderator


LISTS = [
    "/knowledge/", "/knowledge/finance/", "/knowledge/finance/plan/", "/knowledge/-/tags/共有/",
    "/knowledge/-/kind/article/", "/knowledge/-/archive/2024/6/", "/knowledge/-/feed/",
    "/knowledge/-/feed/finance/", "/",
]  # fmt: skip


@pytest.mark.parametrize("kind", ["password", "groups"])
@pytest.mark.parametrize("url", LISTS)
def test_lists_show_the_page_to_site_moderators_only(world, moderator, kind, url):
    _private(world, kind)
    member = client_for(world.outsider).get(url)
    assert member.status_code in (200, 404) and TITLE not in member.text
    assert TITLE in client_for(moderator).get(url).text


@pytest.mark.parametrize("kind", ["password", "groups"])
def test_counts_leave_the_page_out_for_members(world, moderator, kind):
    _private(world, kind)
    assert client_for(world.outsider).get("/knowledge/-/archive/2024/6/").status_code == 404
    member = client_for(world.outsider).get("/knowledge/").text
    assert '共有 <span class="kb-count">1</span>' in member and "2024年6月" not in member
    everyone = client_for(moderator).get("/knowledge/").text
    assert '共有 <span class="kb-count">2</span>' in everyone and "2024年6月" in everyone


def test_a_login_restriction_hides_nothing_from_members(world):
    _private(world, "login")
    for url in ("/knowledge/finance/", "/knowledge/-/tags/共有/", "/knowledge/finance/plan/"):
        assert TITLE in client_for(world.insider).get(url).text
    opened = client_for(world.outsider).get("/knowledge/finance/touben/")
    assert opened.status_code == 200 and BODY in opened.text


def _give_password(client, page):
    asked = client.get(page.url)
    assert asked.status_code == 200 and BODY not in asked.text
    assert 'name="password"' in asked.text
    restriction = page.get_view_restrictions()[0]
    action = reverse("wagtailcore_authenticate_with_password", args=[restriction.pk, page.pk])
    assert f'action="{action}"' in asked.text
    client.post(action, {"password": PASSWORD, "return_url": page.url})


def test_a_member_with_the_password_still_opens_the_page(world):
    page = _private(world, "password")
    client = client_for(world.outsider)
    _give_password(client, page)
    assert BODY in client.get(page.url).text


def test_the_password_is_asked_in_the_sites_frame_and_a_wrong_one_is_said_so(world):
    page = _private(world, "password")
    client = client_for(world.outsider)
    asked = client.get(page.url).text
    assert "<h1>パスワードが必要です</h1>" in asked and 'class="site-footer"' in asked
    assert TITLE not in asked
    restriction = page.get_view_restrictions()[0]
    action = reverse("wagtailcore_authenticate_with_password", args=[restriction.pk, page.pk])
    wrong = client.post(action, {"password": "chigau", "return_url": page.url})
    assert wrong.status_code == 200 and "field--error" in wrong.text and BODY not in wrong.text
    english = client.get(page.url, headers={"accept-language": "en"}).text
    assert "Password required" in english


def test_a_groups_restriction_opens_for_its_groups_and_is_not_found_for_others(world):
    """Not Wagtail's login, which hands a signed-in member back to the page, and round again."""
    page = _private(world, "groups")
    outside = client_for(world.outsider).get(page.url)
    assert outside.status_code == 404 and BODY not in outside.text
    world.insider.groups.add(AuthGroup.objects.get(name="議会対応"))
    inside = client_for(world.insider).get(page.url)
    assert inside.status_code == 200 and BODY in inside.text


def _text(response) -> str:
    if response["Content-Type"].startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    return response.content.decode()


@pytest.fixture
def document(world, settings, tmp_path):
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model

    settings.MEDIA_ROOT = tmp_path
    return get_document_model().objects.create(
        title="答弁資料", file=ContentFile(b"a,b\n", "touben.csv"),
        uploaded_by_user=MemberFactory(),
    )  # fmt: skip


def test_a_file_on_a_password_page_is_served_once_the_password_is_given(world, moderator,
                                                                         document):  # fmt: skip
    page = _private(world, "password", body=[("document", {"document": document, "title": ""})])
    member = client_for(world.outsider)
    assert member.get(document.url).status_code == 404
    assert client_for(moderator).get(document.url).status_code == 200
    assert client_for(document.uploaded_by_user).get(document.url).status_code == 200
    _give_password(member, page)
    assert member.get(document.url).status_code == 200


def test_the_editor_lists_and_opens_the_page_for_site_moderators_only(world, moderator):
    """Every member edits the pages of a section of a field (knowledge.policies): the editor's
    explorer, chooser, page API, edit and draft screens answer as the readers' lists do."""
    page = _private(world, "password")
    screens = [
        reverse("wagtailadmin_explore", args=[world.section.pk]),
        reverse("wagtailadmin_choose_page_child", args=[world.section.pk]),
        reverse("wagtailadmin_api:pages:listing") + f"?child_of={world.section.pk}",
    ]
    member, everyone = client_for(world.outsider), client_for(moderator)
    for url in screens:
        assert TITLE not in _text(member.get(url))
        assert TITLE in _text(everyone.get(url))
    for url in (reverse("wagtailadmin_pages:edit", args=[page.pk]),
                reverse("wagtailadmin_pages:view_draft", args=[page.pk])):  # fmt: skip
        assert member.get(url).status_code == 404
        assert everyone.get(url).status_code == 200


@pytest.mark.parametrize("kind", ["password", "groups", "login"])
def test_search_finds_the_page_for_whoever_lists_it(world, moderator, kind):
    _private(world, kind)
    outbox.drain()
    found = search(world.outsider, Filters(q="答弁")).total
    assert found == (1 if kind == "login" else 0)
    assert search(moderator, Filters(q="答弁")).total == 1


def test_opening_and_listing_are_decided_apart():
    member = MemberFactory()
    seen = policies.Viewer(member, restrictions={"0001": frozenset({7})},
                           wagtail_private=frozenset({"00020003"}))  # fmt: skip
    assert seen.denied_paths == ("0001",)
    assert seen.unlisted_paths == ("0001", "00020003")
    assert policies.can_view_path(seen, "000200030001")
    assert not policies.can_list_path(seen, "000200030001")
    assert policies.can_list_path(seen, "00020004")
    rows = [(1, "00020003"), (2, "000200030001"), (3, "00020004"), (4, "00010002")]
    assert [pk for pk, _path in policies.visible_rows(seen, rows)] == [3]
    assert policies.visible_children(seen, "00020003", rows[1:2]) == []
    assert policies.visible_children(seen, "0002", rows[:1] + rows[2:3]) == [rows[2]]
    assert policies.lists_all_under(seen, "00020004")
    assert not policies.lists_all_under(seen, "0002")  # 00020003 is under it
    assert not policies.lists_all_under(seen, "000200030001")  # under 00020003
    assert not policies.lists_all_under(seen)  # the whole site
    assert policies.lists_all_under(policies.Viewer(member))


def test_a_site_moderator_outside_the_groups_is_not_sent_round_in_a_loop(world):
    """Wagtail lets superusers through a "groups" restriction, not site moderators."""
    page = _private(world, "groups")
    response = client_for(MemberFactory(is_site_moderator=True)).get(page.url)
    assert response.status_code == 404


@pytest.fixture
def reviewer(world):
    """A moderator of the group whose section holds a private page: Wagtail gives them the
    section's publish permission (knowledge.editors)."""
    from groups.models import Membership

    Membership.objects.filter(group=world.group, member=world.insider).update(
        role=Membership.Role.MODERATOR
    )
    page = ArticlePage(title=TITLE, slug="touben", date=date(2024, 6, 21), body=[("text", BODY)])
    add_page(world.secret_section, page)
    _restrict(page, "password")
    client = client_for(world.insider)
    client.get("/cms/")  # the editor's permissions, brought up to date on the way in
    return client, page


def test_the_editors_move_reorder_and_report_screens_are_for_site_moderators(
    world, reviewer, moderator
):
    client, page = reviewer
    for url in (reverse("wagtailadmin_pages:move", args=[page.pk]),
                reverse("wagtailadmin_pages:move_confirm",
                        args=[page.pk, world.secret_section.pk])):  # fmt: skip
        assert client.get(url).status_code == 404
        assert TITLE in _text(client_for(moderator).get(url))
    position = reverse("wagtailadmin_pages:set_page_position", args=[page.pk]) + "?position=0"
    assert client.post(position).status_code == 404
    aging = "/cms/reports/aging-pages/"
    assert TITLE not in _text(client.get(aging))
    assert TITLE in _text(client_for(moderator).get(aging))


@pytest.mark.parametrize("action", ["delete", "unpublish", "move"])
def test_bulk_actions_name_no_page_the_member_may_not_list(world, reviewer, moderator, action):
    """The pages of a bulk action are in its query: a topic group's page and a private one."""
    client, page = reviewer
    base = f"/cms/bulk/wagtailcore/page/{action}/"
    for hidden in (page.pk, world.secret_page.pk):
        member = client_for(world.outsider) if hidden == world.secret_page.pk else client
        assert member.get(f"{base}?id={hidden}").status_code == 404
    everything = f"{base}?id=all&childOf={world.secret_section.pk}"
    assert client.get(everything).status_code == 404
    assert client.get(f"{base}?id=all").status_code == 404
    shown = client_for(moderator).get(f"{base}?id={page.pk}")
    assert shown.status_code == 200 and TITLE in _text(shown)
    assert client.post(f"/cms/bulk/wagtailcore/page/unpublish/?id={page.pk}").status_code == 404
    page.refresh_from_db()
    assert page.live


def test_a_files_usage_names_a_private_page_for_site_moderators_only(world, moderator, settings,
                                                                     tmp_path):  # fmt: skip
    """The uploader of a document in a field section's collection, who edits that section."""
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model

    from knowledge import editors

    settings.MEDIA_ROOT = tmp_path
    uploader = client_for(world.outsider)
    uploader.get("/cms/")
    name = editors.group_name(world.section.pk, editors.EDITORS)
    collection = AuthGroup.objects.get(name=name).collection_permissions.first().collection
    document = get_document_model().objects.create(
        title="答弁資料", file=ContentFile(b"a,b\n", "touben.csv"), collection=collection,
        uploaded_by_user=world.outsider,
    )  # fmt: skip
    page = _private(world, "password", body=[("document", {"document": document, "title": ""})])
    page.owner = moderator
    page.save()
    usage = reverse("wagtaildocs:document_usage", args=[document.pk])
    listed = uploader.get(usage)
    assert listed.status_code == 200 and TITLE not in _text(listed)
    assert TITLE in _text(client_for(moderator).get(usage))


def test_a_review_of_a_private_page_is_asked_of_site_moderators_only(world, reviewer,
                                                                     moderator):  # fmt: skip
    from knowledge.notifications import visible_pairs

    _client, page = reviewer
    pairs = {(world.insider.pk, page.pk), (moderator.pk, page.pk)}
    assert visible_pairs(pairs) == {(moderator.pk, page.pk)}
    open_page = {(world.insider.pk, world.page_in_secret_section.pk)}
    assert visible_pairs(open_page) == open_page

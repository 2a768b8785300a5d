"""The header every page opens with ({% site_header %}): what a member, a moderator, a staff
member and a visitor see in it, in Japanese and English, with what the request brought
escaped."""

import re

import pytest
from django.test import Client

from groups import services as group_services
from groups.models import Membership
from tests.factories import GroupFactory, MemberFactory, PostFactory, TopicFactory

pytestmark = pytest.mark.django_db


def _header(client, path, **params) -> str:
    response = client.get(path, params)
    assert response.status_code == 200
    page = response.content.decode()
    return page[page.index('<header class="site-header">') : page.index("</header>")]


def _client(member=None, language="ja") -> Client:
    client = Client()
    client.cookies["django_language"] = language
    if member is not None:
        client.force_login(member)
    return client


def test_a_member_sees_the_navigation_with_the_current_page_marked():
    header = _header(_client(MemberFactory()), "/groups/")
    names = re.findall(r'<li><a href="[^"]+"(?: aria-current="page")?>([^< ]+)', header)
    assert names == ["ホーム", "グループ", "イベント", "ナレッジ", "検索", "人を探す", "通知",
                     "プロフィール"]  # fmt: skip
    assert '<a href="/groups/" aria-current="page">グループ</a>' in header
    assert header.count('aria-current="page"') == 1
    assert 'action="/accounts/logout/"' in header and "ログアウト" in header
    assert header.count('name="csrfmiddlewaretoken"') == 2  # log out and the language switch


def test_the_bell_and_the_moderation_entry_count_what_waits_for_the_owner():
    owner, reader = MemberFactory(), MemberFactory()
    group = GroupFactory(owner=owner)
    Membership.objects.create(group=group, member=reader)
    topic = TopicFactory(group=group, author=owner)
    PostFactory(topic=topic, author=reader)  # a reply: the owner is notified
    group_services.flag_create(flagger=reader, post=topic.posts.get(number=1), reason="spam")
    header = _header(_client(owner), "/")
    assert re.findall(r'data-count="(\d+)"', header) == ["2", "2", "1"]  # menu, bell, queue
    assert '<a href="/moderation/">モデレーション <span class="badge"' in header
    assert "管理画面" not in header and "モデレーション" not in _header(_client(reader), "/")


def test_staff_see_the_admin_entry_and_english_is_english():
    header = _header(_client(MemberFactory(is_staff=True), "en"), "/")
    assert '<a href="/admin/">Admin</a>' in header
    assert "Sign out" in header and "ログアウト" not in header
    assert '<option value="en" lang="en" selected>English</option>' in header
    assert "results. Use the up and down arrows" in header  # the instant search's words


def test_what_the_request_brought_is_escaped():
    member = _client(MemberFactory())
    hostile = "<b>\"x&y'z"
    header = _header(member, "/search/", q=hostile)
    assert 'value="&lt;b&gt;&quot;x&amp;y&#x27;z"' in header  # the search box keeps the words
    assert "<b>" not in header
    header = _header(member, "/members/", q='"><script>')
    assert 'id="site-search-q" name="q"' in header and 'value="">' in header  # not on search
    assert 'name="next" type="hidden" value="/members/?q=%22%3E%3Cscript%3E"' in header


def test_the_language_switch_brings_back_a_long_query_page_without_its_query():
    member = _client(MemberFactory())
    header = _header(member, "/members/", q="申込" * 40)
    assert 'name="next" type="hidden" value="/members/?q=' in header
    header = _header(member, "/members/", q="申込" * 400)
    assert 'name="next" type="hidden" value="/members/">' in header
    assert len(header) < 10_000
    header = _header(member, "/search/", q="申込" * 400)
    box = f'maxlength="200" autocomplete="off" placeholder="検索" value="{"申込" * 100}">'
    assert box in header


def test_a_visitor_sees_only_the_title_and_the_language_switch():
    header = _header(_client(), "/accounts/login/")
    assert 'class="site-title"' in header and 'class="language-switch"' in header
    assert "site-nav" not in header and "site-search" not in header and "nav-toggle" not in header
    assert '<option value="ja" lang="ja" selected>日本語</option>' in header

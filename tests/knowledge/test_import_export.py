"""import_knowledge / export_knowledge: a folder of Markdown files becomes pages and topics,
again and again without duplicates; bad files are reported in Japanese while the rest go in;
an export imports back to the same documents."""

import io
import re
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from django.urls import reverse

from groups.models import Group, Membership, Post, Topic
from knowledge import importing, markdown_files
from knowledge.demo import DEMO_GROUPS, DOCS, MEMBERS_ONLY_TOPICS
from knowledge.importing import SYSTEM_EMAIL
from knowledge.models import ImportedTopic, KnowledgePage, PageGroupRestriction, SectionPage
from members.models import User
from members.selectors import mention_candidates
from tests.factories import MemberFactory, MembershipFactory
from tests.groups.conftest import client_for

pytestmark = pytest.mark.django_db

ARTICLE = """---
title: {title}
kind: {kind}
group: {group}
tags: [財政, 予算]
date: 2024-04-01
visibility: {visibility}
---

## はじめに

{body}
"""


def write(folder: Path, name: str, *, title="予算編成の手順", kind="article", group="finance",
          visibility="members", body="本文です。", text=None) -> Path:  # fmt: skip
    path = folder / f"{name}.md"
    if text is None:
        text = ARTICLE.format(title=title, kind=kind, group=group, visibility=visibility, body=body)
    path.write_text(text, encoding="utf-8")
    return path


def run(folder: Path) -> tuple[str, str]:
    """The command's standard output and error; CommandError (exit status 1) is raised on."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_knowledge", str(folder), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(folder: Path) -> tuple[str, str, CommandError]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_knowledge", str(folder), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue(), raised.value


def test_the_shared_documents_import_once_however_often_they_are_run():
    out, err = run(DOCS)
    assert "作成 45件 / 更新 0件 / 変更なし 0件 / 失敗 0件" in out
    assert "0/45 [" in err  # the progress bar, on standard error
    assert KnowledgePage.objects.live().count() == 32
    assert ImportedTopic.objects.count() == 13 and Topic.objects.count() == 13
    finance = Group.objects.get(slug="zaisei")  # the demo copy's name for the set's finance
    assert (finance.name, finance.kind, finance.status) == ("財政", "closed", "active")
    assert SectionPage.objects.get(group=finance).title == "財政"
    page = KnowledgePage.objects.get(import_key="pub-001")
    assert page.live and page.date == date(2022, 8, 10)
    assert page.first_published_at.date() == date(2022, 8, 10)
    assert [tag.name for tag in page.tags.all()] == ["財政", "中期財政計画", "財政指標"]
    assert page.body[0].block_type == "heading" and page.body[0].value["text"] == "はじめに"
    assert page.body[1].block_type == "text" and "担当2年目の職員" in page.body[1].value
    pages, revisions = KnowledgePage.objects.count(), _revision_count()
    out, _err = run(DOCS)
    assert "作成 0件 / 更新 0件 / 変更なし 45件 / 失敗 0件" in out
    assert KnowledgePage.objects.count() == pages and _revision_count() == revisions
    assert Topic.objects.count() == 13 and Post.objects.count() == 13
    assert User.objects.filter(email=SYSTEM_EMAIL).count() == 1


def _revision_count() -> int:
    return KnowledgePage.objects.aggregate(n=Count("_revisions"))["n"]


def test_a_changed_file_updates_its_page_with_a_new_published_revision(tmp_path):
    write(tmp_path, "plan", body="古い本文")
    run(tmp_path)
    page = KnowledgePage.objects.get(import_key="plan")
    write(tmp_path, "plan", title="予算編成の手順(改訂版)", body="新しい本文")
    out, _err = run(tmp_path)
    assert "更新 1件" in out
    page = KnowledgePage.objects.get(pk=page.pk)
    assert page.title == "予算編成の手順(改訂版)" and page.live
    assert page.revisions.count() == 2 and page.live_revision == page.latest_revision
    member = MemberFactory()
    assert "新しい本文" in client_for(member).get(page.url).text


def test_a_changed_topic_file_edits_the_first_post(tmp_path):
    write(tmp_path, "q", kind="topic", body="最初の質問")
    run(tmp_path)
    write(tmp_path, "q", kind="topic", title="質問(追記あり)", body="追記した質問")
    out, _err = run(tmp_path)
    assert "更新 1件" in out
    topic = Topic.objects.get()
    assert topic.title == "質問(追記あり)"
    assert "追記した質問" in topic.posts.get(number=1).body


BAD_FILES = {
    "broken-yaml": ("---\ntitle: [閉じていない\nkind: article\n---\n本文", "読めません"),
    "no-front-matter": ("# 見出しだけ\n本文", "「---」"),
    "no-kind": (ARTICLE.replace("kind: {kind}\n", ""), "kind がありません"),
    "bad-kind": (ARTICLE.replace("{kind}", "essay"), "kind「essay」は使えません"),
    "bad-date": (ARTICLE.replace("2024-04-01", "2024-13-45"),
                 "date「2024-13-45」が日付として読めません"),
    "long-title": (ARTICLE.replace("{title}", "長" * 300), "title が長すぎます(300文字)"),
    "nul": (ARTICLE.replace("{body}", "NUL\x00文字"), "保存できない文字(NUL)"),
    "bad-visibility": (ARTICLE.replace("{visibility}", "secret"),
                       "visibility「secret」は使えません"),
}  # fmt: skip


def _fill(text: str) -> str:
    return text.format(title="題", kind="article", group="finance", visibility="members",
                       body="本文") if "{" in text else text  # fmt: skip


def test_bad_files_are_reported_each_with_its_reason_and_the_others_still_go_in(tmp_path):
    write(tmp_path, "good-1")
    write(tmp_path, "good-2", title="別の記事")
    for name, (text, _message) in BAD_FILES.items():
        (tmp_path / f"{name}.md").write_text(_fill(text), encoding="utf-8")
    out, err, error = run_failing(tmp_path)
    for name, (_text, message) in BAD_FILES.items():
        line = next(line for line in err.splitlines() if f"{name}.md" in line)
        assert message in line, line
    assert f"作成 2件 / 更新 0件 / 変更なし 0件 / 失敗 {len(BAD_FILES)}件" in out
    assert error.returncode == 1 and f"{len(BAD_FILES)}件のファイルを取り込めませんでした" in str(
        error
    )
    assert set(KnowledgePage.objects.values_list("import_key", flat=True)) == {"good-1", "good-2"}


def test_a_5_mb_body_is_refused_with_its_size(tmp_path):
    write(tmp_path, "huge", body="あ" * 1_700_000)  # 3 bytes each: about 5 MB
    write(tmp_path, "small")
    _out, err, _error = run_failing(tmp_path)
    assert "huge.md: ファイルが大きすぎます(5.1 MB)。本文は 1.0 MB までにしてください。" in err
    assert list(KnowledgePage.objects.values_list("import_key", flat=True)) == ["small"]


def test_two_files_with_the_same_title_in_one_section_get_distinct_slugs(tmp_path):
    write(tmp_path, "a", title="同じ題名", body="一つ目")
    write(tmp_path, "b", title="同じ題名", body="二つ目")
    run(tmp_path)
    slugs = sorted(KnowledgePage.objects.values_list("slug", flat=True))
    assert slugs == ["同じ題名", "同じ題名-2"]
    member = MemberFactory()
    for key, text in (("a", "一つ目"), ("b", "二つ目")):
        assert text in client_for(member).get(KnowledgePage.objects.get(import_key=key).url).text


def test_a_group_only_page_is_404_to_outsiders_and_shown_to_the_groups_members(tmp_path):
    write(tmp_path, "memo", title="内部メモ", visibility="group", body="ペルディナック")
    run(tmp_path)
    page = KnowledgePage.objects.get(import_key="memo")
    group = Group.objects.get(slug="finance")
    assert PageGroupRestriction.objects.filter(page=page, group=group).exists()
    outsider, insider = MemberFactory(), MemberFactory()
    MembershipFactory(group=group, member=insider)
    assert client_for(outsider).get(page.url).status_code == 404
    assert "ペルディナック" in client_for(insider).get(page.url).text


def test_a_page_made_open_again_loses_its_restriction(tmp_path):
    write(tmp_path, "memo", visibility="group")
    run(tmp_path)
    write(tmp_path, "memo", visibility="members")
    run(tmp_path)
    page = KnowledgePage.objects.get(import_key="memo")
    assert not PageGroupRestriction.objects.filter(page=page).exists()
    assert client_for(MemberFactory()).get(page.url).status_code == 200


def test_a_topic_file_becomes_a_topic_in_its_group_posted_by_the_system_member(tmp_path):
    write(tmp_path, "q", kind="topic", group="dx", body="RPAの効果測定はどうしていますか")
    out, _err = run(tmp_path)
    topic = Topic.objects.get()
    assert (topic.group.slug, topic.group.name, topic.title) == ("dx", "自治体DX", "予算編成の手順")
    assert topic.author.email == SYSTEM_EMAIL
    assert topic.created_at.date() == date(2024, 4, 1)
    assert "RPAの効果測定" in topic.posts.get(number=1).body
    assert sorted(topic.tags.values_list("name", flat=True)) == ["予算", "財政"]
    assert "グループ「自治体DX」(dx)を作りました" in out
    assert Membership.objects.get(group=topic.group, member=topic.author).role == "owner"


def test_the_system_member_cannot_log_in(client):
    from knowledge.importing import system_member

    member = system_member()
    assert not member.has_usable_password()
    assert not client.login(email=SYSTEM_EMAIL, password="")


def test_an_unknown_group_slug_is_made_with_the_slug_as_its_name_and_said_so(tmp_path):
    write(tmp_path, "x", group="brass-band")
    out, _err = run(tmp_path)
    assert Group.objects.get(slug="brass-band").name == "brass-band"
    assert "グループ名が分からないため、URL名をそのまま名前にしました" in out


def test_a_group_only_topic_is_refused_in_an_open_group(tmp_path):
    owner = MemberFactory()
    Group.objects.create(slug="music-circle", name="音楽サークル", description="d",
                         kind="open", status="active", proposed_by=owner)  # fmt: skip
    write(tmp_path, "secret", kind="topic", group="music-circle", visibility="group")
    _out, err, _error = run_failing(tmp_path)
    assert "公開グループなので、メンバー限定のトピックは置けません" in err
    assert not Topic.objects.exists()


def test_the_kind_of_an_imported_file_cannot_change(tmp_path):
    write(tmp_path, "a")
    run(tmp_path)
    write(tmp_path, "a", kind="topic")
    _out, err, _error = run_failing(tmp_path)
    assert "kind は変えられません(取り込み済みのものは article です)" in err


def test_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="見つかりません"):
        call_command("import_knowledge", str(tmp_path / "nowhere"))


def test_the_export_imported_into_an_empty_knowledge_base_gives_the_same_documents(
    tmp_path, django_assert_max_num_queries
):
    """Round trip: the 45 documents imported, exported, everything deleted, the export
    imported and exported again: field by field what the files said. Topics in a closed group
    export as ``group`` (only its members can read them), whatever the file said."""
    run(DOCS)
    with django_assert_max_num_queries(10):  # the same however many pages and topics
        call_command("export_knowledge", str(tmp_path / "first"), stdout=io.StringIO())
    _empty_the_knowledge_base()
    out, _err = run(tmp_path / "first")
    assert "作成 45件 / 更新 0件 / 変更なし 0件 / 失敗 0件" in out
    call_command("export_knowledge", str(tmp_path / "second"), stdout=io.StringIO())
    originals = {p.stem: markdown_files.read(p) for p in DOCS.glob("*.md")}
    exported = {p.stem: markdown_files.read(p) for p in (tmp_path / "second").glob("*.md")}
    assert exported.keys() == originals.keys()
    for key, doc in originals.items():
        expected = doc if doc.kind != "topic" else replace(doc, visibility="group")
        assert exported[key].comparable() == expected.comparable(), key
        assert exported[key].tags == doc.tags or doc.kind == "topic", key


def _empty_the_knowledge_base():
    for section in SectionPage.objects.all():
        section.delete()
    Group.objects.all().delete()  # and their topics
    assert not KnowledgePage.objects.exists() and not ImportedTopic.objects.exists()


def test_an_export_imported_over_its_own_pages_changes_nothing(tmp_path):
    write(
        tmp_path,
        "a",
        body="本文\n\n```\n## コードの中の見出し\n```\n\n# 大見出し\n\n### 小見出し\n\n終わり",
    )
    write(tmp_path, "b", kind="topic", title="質問です")
    run(tmp_path)
    call_command("export_knowledge", str(tmp_path / "out"), stdout=io.StringIO())
    assert (tmp_path / "out" / "a.md").read_text() == (tmp_path / "a.md").read_text()
    out, _err = run(tmp_path / "out")
    assert "作成 0件 / 更新 0件 / 変更なし 2件 / 失敗 0件" in out
    blocks = [b.block_type for b in KnowledgePage.objects.get(import_key="a").body]
    assert blocks == ["heading", "text", "heading", "text"]


def test_seed_demo_imports_the_demo_copy_once(tmp_path):
    call_command("seed_demo", stdout=io.StringIO())
    pages = KnowledgePage.objects.count()
    assert pages == 32
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "demo knowledge: 作成 0件" in out.getvalue()
    assert KnowledgePage.objects.count() == pages and Topic.objects.filter(
        import_record__isnull=False).count() == 13  # fmt: skip


def test_the_demo_copy_is_the_shared_set():
    shared = Path("/work/shared/search-relevance/docs")
    if not shared.exists():
        pytest.skip("the shared set is not on this machine")
    for path in shared.glob("*.md"):
        text = path.read_text()
        for name, slug in DEMO_GROUPS.items():
            text = text.replace(f"\ngroup: {name}\n", f"\ngroup: {slug}\n")
        if path.stem in MEMBERS_ONLY_TOPICS:
            text = re.sub(r"\ngroup: .*\n", f"\ngroup: {MEMBERS_ONLY_TOPICS[path.stem]}\n", text)
        assert (DOCS / path.name).read_text() == text


def test_copying_a_file_under_another_name_makes_a_second_page(tmp_path):
    write(tmp_path, "a")
    shutil.copy(tmp_path / "a.md", tmp_path / "b.md")
    out, _err = run(tmp_path)
    assert "作成 2件" in out and KnowledgePage.objects.count() == 2


def test_a_topic_for_a_group_still_under_review_is_refused(tmp_path):
    Group.objects.create(slug="dx", name="自治体DX", description="d", kind="closed",
                         status="proposed", proposed_by=MemberFactory())  # fmt: skip
    write(tmp_path, "q", kind="topic", group="dx")
    _out, err, _error = run_failing(tmp_path)
    assert "q.md: グループ「自治体DX」は活動中ではないため、トピックを置けません。" in err


def test_a_group_only_topic_is_read_by_the_groups_members_alone(tmp_path):
    write(tmp_path, "q", kind="topic", group="music-circle", visibility="group",
          body="ヒミツノレンシュウバ")  # fmt: skip
    run(tmp_path)
    topic = Topic.objects.get()
    url = f"/groups/{topic.group.slug}/t/{topic.pk}/"
    outsider, insider = MemberFactory(), MemberFactory()
    MembershipFactory(group=topic.group, member=insider)
    assert "ヒミツノレンシュウバ" not in client_for(outsider).get(url, follow=True).text
    assert "ヒミツノレンシュウバ" in client_for(insider).get(url, follow=True).text


def test_the_importers_own_account_is_not_a_person_to_find_or_mention(member_client, member):
    importing.system_member()
    for query in ({}, {"q": "ナレッジ"}):
        directory = member_client.get(reverse("members:directory"), query)
        assert directory.status_code == 200
        assert "ナレッジ取り込み" not in directory.text
    assert mention_candidates(member, "ナレッジ") == []

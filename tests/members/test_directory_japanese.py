"""The member directory and the @mention lookup use search's Japanese normaliser: 「申込」
「もうしこみ」「モウシコミ」 find what 「申し込み」 finds, ＤＸ is dx and サーバ is サーバー,
only in what each member shows others; a migration brings existing members up to date."""

from importlib import import_module

import pytest
from django.apps import apps
from django.urls import reverse

from members.models import User, WorkField
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db
DIRECTORY = reverse("members:directory")
APPLICATIONS = ["申込", "申込み", "申し込み", "もうしこみ", "モウシコミ", "ﾓｳｼｺﾐ"]


def found(client, q, **params) -> set[str]:
    response = client.get(DIRECTORY, {"q": q, **params})
    assert response.status_code == 200
    page = response.content.decode()
    return {name for name in NAMES if name in page}


NAMES = ["受付 一郎", "受付 二郎", "情報 三郎", "情報 四郎", "支庁 五郎"]


@pytest.fixture
def desk(db):
    """A section that says 申し込み; a bio that says 申込み."""
    return MemberFactory(
        display_name="受付 一郎", display_name_kana="うけつけ いちろう",
        department="市民局", section="申し込み受付担当",
    )  # fmt: skip


@pytest.fixture
def events_clerk(db):
    return MemberFactory(
        display_name="受付 二郎", display_name_kana="うけつけ じろう",
        section="文化振興課", bio="講座の申込み窓口をしています。",
    )  # fmt: skip


@pytest.fixture
def it_staff(db):
    return {
        "server": MemberFactory(
            display_name="情報 三郎", display_name_kana="じょうほう さぶろう",
            section="サーバ管理係",
        ),
        "dx": MemberFactory(
            display_name="情報 四郎", display_name_kana="じょうほう しろう",
            section="情報政策課", bio="ＤＸ推進とサーバーの更新を担当",
        ),
    }  # fmt: skip


@pytest.mark.parametrize("q", APPLICATIONS)
def test_every_spelling_of_moushikomi_finds_both(member_client, desk, events_clerk, q):
    assert found(member_client, q) == {"受付 一郎", "受付 二郎"}


@pytest.mark.parametrize("q", ["受付", "受け付け", "うけつけ"])
def test_okurigana_of_other_words_too(member_client, desk, events_clerk, q):
    assert "受付 一郎" in found(member_client, q)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("ＤＸ", {"情報 四郎"}),
        ("dx", {"情報 四郎"}),
        ("DX推進", {"情報 四郎"}),
        ("サーバ", {"情報 三郎", "情報 四郎"}),
        ("サーバー", {"情報 三郎", "情報 四郎"}),
        ("ｻｰﾊﾞｰ", {"情報 三郎", "情報 四郎"}),
        ("サーバー管理", {"情報 三郎"}),
        ("さーば", {"情報 三郎", "情報 四郎"}),
    ],
)
def test_width_and_long_vowels(member_client, it_staff, q, expected):
    assert found(member_client, q) == expected


def test_every_word_of_the_query_must_be_found(member_client, desk, events_clerk):
    assert found(member_client, "申込 市民局") == {"受付 一郎"}
    assert found(member_client, "もうしこみ　うけつけ　いちろう") == {"受付 一郎"}
    assert found(member_client, "申込 サーバー") == set()


def test_kanji_is_not_matched_by_its_reading_alone(member_client, desk):
    """市長 and 支庁 are both しちょう; typed in kanji they are different words."""
    MemberFactory(display_name="支庁 五郎", display_name_kana="しちょう ごろう", section="総合支庁")
    assert found(member_client, "市長") == set()
    assert found(member_client, "支庁") == {"支庁 五郎"}
    assert found(member_client, "申請") == set()


@pytest.mark.parametrize("hidden", ["hide_department", "hide_bio"])
def test_hidden_fields_are_not_found_by_any_spelling(member_client, desk, events_clerk, hidden):
    for member in (desk, events_clerk):
        setattr(member, hidden, True)
        member.save()
    shown = {"hide_department": {"受付 二郎"}, "hide_bio": {"受付 一郎"}}[hidden]
    for q in APPLICATIONS:
        assert found(member_client, q) == shown, q


def test_hidden_work_fields_are_not_found_by_their_reading(member_client, desk):
    field = WorkField.objects.get(name="財政")
    desk.work_fields.set([field])
    desk.save(update_fields=["search_profile"])
    assert "受付 一郎" in found(member_client, "ざいせい")
    desk.hide_work_fields = True
    desk.save()
    assert "受付 一郎" not in found(member_client, "ざいせい")


def test_the_columns_keep_the_plain_form_normalised_forms_and_readings(desk):
    lines = desk.search_profile.split("\n")
    assert "申し込み受付担当" in lines
    assert "申し込み受け付け担当" in lines
    assert "もうしこみうけつけたんとう" in lines
    assert len(lines) == len(set(lines))


def test_migration_brings_existing_members_up_to_date(member_client, desk, events_clerk):
    User.objects.update(search_name="", search_profile="")  # as the earlier columns were
    assert found(member_client, "もうしこみ") == set()
    import_module("members.migrations.0014_search_columns_japanese").refill(apps, None)
    assert found(member_client, "もうしこみ") == {"受付 一郎", "受付 二郎"}
    assert found(member_client, "うけつけ いちろう") == {"受付 一郎"}


def test_odd_queries_are_harmless(member_client, desk):
    for q in ["％", "%_", "申" * 1000, "'); --", "　", "ー"]:
        assert member_client.get(DIRECTORY, {"q": q}).status_code == 200


@pytest.mark.parametrize("q", ["申し込み", "申込", "もうしこみ"])
def test_directory_query_count_is_unchanged(
    member_client, desk, events_clerk, django_assert_num_queries, q
):
    member_client.get(DIRECTORY, {"q": q})  # session and verified-address caches warm
    with django_assert_num_queries(QUERIES_DIRECTORY):
        assert len(found(member_client, q)) == 2


# 9 on 867471b; the navigation's counts are one query since; and the bell's unread
# notifications come with the member
QUERIES_DIRECTORY = 7


# --- the @mention lookup: names only, through the same normaliser ---------------------------


def mention(client, q) -> list[str]:
    response = client.get(reverse("members:mentions"), {"q": q})
    assert response.status_code == 200
    return [row["name"] for row in response.json()["members"]]


def test_mentions_look_at_names_not_profiles(member_client, desk):
    assert mention(member_client, "うけつけ") == ["受付 一郎"]
    assert mention(member_client, "もうしこみ") == []


@pytest.mark.parametrize("q", ["ジェームズ", "ジェームス", "じぇーむず", "スミス ジェームス"])
def test_mentions_find_names_through_the_same_normaliser(member_client, q):
    MemberFactory(display_name="スミス ジェームズ", display_name_kana="すみす じぇーむず")
    assert mention(member_client, q) == ["スミス ジェームズ"]

"""People you can mention: the directory finds names kana- and width-insensitively, the @mention
lookup lists members (the group's first) by name, reading, handle and organization, and the
member card shows what the member lets others see; hidden and missing members are the same 404."""

import pytest
from django.urls import reverse

from groups.models import Membership
from members.models import WorkField
from tests.factories import MemberFactory, organization
from tests.groups.conftest import make_group

pytestmark = pytest.mark.django_db
DIRECTORY = reverse("members:directory")


@pytest.fixture
def yamamoto(db):
    return MemberFactory(
        display_name="山本 花子", display_name_kana="やまもと はなこ",
        department="ＤＸ推進局", section="ｼｽﾃﾑ課", organization=organization("船橋市"),
    )  # fmt: skip


def found(client, q) -> bool:
    response = client.get(DIRECTORY, {"q": q})
    assert response.status_code == 200
    return "山本 花子" in response.content.decode()


SPELLINGS = [
    "やまもと", "ヤマモト", "ﾔﾏﾓﾄ", "yamamoto", "ＹＡＭＡＭＯＴＯ", "山本", "DX推進", "dx",
    "システム課", "ふなばし", "funabashi",
]  # fmt: skip


@pytest.mark.parametrize("q", SPELLINGS)
def test_directory_search_is_kana_and_width_insensitive(member_client, yamamoto, q):
    assert found(member_client, q)


def test_directory_shows_handles(member_client, yamamoto):
    page = member_client.get(DIRECTORY, {"q": "やまもと"}).content.decode()
    assert f"@{yamamoto.handle}" in page
    assert yamamoto.handle == "yamamoto-hanako"


def test_hidden_department_is_not_found_by_any_spelling(member_client, yamamoto):
    yamamoto.hide_department = True
    yamamoto.save()
    assert not found(member_client, "dx推進")
    assert not found(member_client, "しすてむ")
    assert found(member_client, "やまもと")


def test_work_fields_and_bio_follow_profile_saves(member_client, yamamoto):
    """The search column is refreshed when the work fields change after the member is saved."""
    from members import services

    services.profile_update(
        member=yamamoto, data={"bio": "ＲＰＡの導入を担当"},
        work_fields=[WorkField.objects.get(name="財政")], private_fields=["department"],
    )  # fmt: skip
    assert found(member_client, "rpa")
    assert found(member_client, "財政")
    assert not found(member_client, "dx推進")


def test_profile_shows_the_handle(member_client, yamamoto):
    page = member_client.get(reverse("members:detail", args=[yamamoto.pk])).content.decode()
    assert f"@{yamamoto.handle}" in page


# --- the @mention lookup ----------------------------------------------------------------------


def mention(client, q, group=None):
    url = reverse("groups:mentions", args=[group.slug]) if group else reverse("members:mentions")
    response = client.get(url, {"q": q})
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["members"]]


@pytest.fixture
def people(db):
    return {
        "yamada": MemberFactory(display_name="山田 遥", display_name_kana="やまだ はるか"),
        "yamaguchi": MemberFactory(display_name="山口 奈央", display_name_kana="やまぐち なお"),
        "sato": MemberFactory(
            display_name="佐藤 健太",
            display_name_kana="さとう けんた",
            organization=organization("船橋市"),
        ),  # fmt: skip
    }


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("やま", ["山口 奈央", "山田 遥"]),  # by reading, in reading order
        ("ヤマダ", ["山田 遥"]),
        ("yamag", ["山口 奈央"]),  # romaji
        ("@yamada-h", ["山田 遥"]),  # handle, the @ typed with it
        ("sato", ["佐藤 健太"]),  # romaji without the long vowel (satou)
        ("船橋", ["佐藤 健太"]),  # organization
        ("山", ["山口 奈央", "山田 遥"]),
        ("", []),
    ],
)
def test_mentions_by_name_reading_handle_and_organization(member_client, people, q, expected):
    assert mention(member_client, q) == expected


def test_names_starting_with_the_query_come_before_organizations(member_client, people):
    MemberFactory(
        display_name="松本 圭", display_name_kana="まつもと けい",
        organization=organization("葉山町"),
    )  # fmt: skip
    assert mention(member_client, "やま") == ["山口 奈央", "山田 遥", "松本 圭"]
    assert mention(member_client, "はやま") == ["松本 圭"]


def test_group_members_come_first(member_client, member, people):
    group = make_group(people["yamada"])
    Membership.objects.create(group=group, member=member)
    assert mention(member_client, "やま", group) == ["山田 遥", "山口 奈央"]
    rows = member_client.get(reverse("groups:mentions", args=[group.slug]), {"q": "やま"}).json()
    assert [row["in_group"] for row in rows["members"]] == [True, False]
    assert rows["members"][0]["handle"] == "yamada-haruka"
    # Nothing typed after "@": the group's members (the viewer left out).
    assert mention(member_client, "", group) == ["山田 遥"]


def test_mentions_leave_out_unverified_inactive_and_the_viewer(member_client, member, people):
    MemberFactory(display_name="山中 未確認", display_name_kana="やまなか", verified=False)
    MemberFactory(display_name="山下 退会", display_name_kana="やました", is_active=False)
    member.display_name_kana = "やまもと"
    member.save()
    assert mention(member_client, "やま") == ["山口 奈央", "山田 遥"]


def test_mentions_of_a_closed_group_need_its_members(member_client, people, client):
    closed = make_group(people["yamada"], kind="closed", slug="himitsu", name="秘密")
    response = member_client.get(reverse("groups:mentions", args=[closed.slug]), {"q": "やま"})
    assert response.status_code == 404
    missing = member_client.get(reverse("groups:mentions", args=["nothing"]), {"q": "やま"})
    assert missing.status_code == 404
    assert response.json() == missing.json()


def test_mention_lookup_for_unverified_is_empty_404(client, unverified_member, people):
    client.force_login(unverified_member)
    response = client.get(reverse("members:mentions"), {"q": "やま"})
    assert response.status_code in (302, 401, 403, 404)
    assert "山田" not in response.content.decode()


def test_mention_lookup_odd_input(member_client, people):
    nul = member_client.get(reverse("members:mentions"), {"q": "a\x00b"})
    assert nul.status_code == 400  # refused before the view, as everywhere
    assert mention(member_client, "や" * 500) == []


def test_mention_lookup_query_count(member_client, member, people, django_assert_num_queries):
    group = make_group(people["yamada"])
    Membership.objects.create(group=group, member=member)
    for number in range(10):
        MemberFactory(display_name=f"山{number}", display_name_kana=f"やま{number}")
    url = reverse("groups:mentions", args=[group.slug])
    member_client.get(url, {"q": "やま"})  # session and verified-address caches warm
    with django_assert_num_queries(QUERIES_MENTIONS) as captured:
        rows = member_client.get(url, {"q": "やま"}).json()["members"]
    assert len(rows) == 8, captured


QUERIES_MENTIONS = 4  # session, member, the group with the membership, the members


# --- member cards -----------------------------------------------------------------------------


def card(client, member):
    return client.get(reverse("members:card", args=[member.pk]))


def test_card_shows_organization_department_fields_and_handle(member_client, yamamoto):
    yamamoto.work_fields.set([WorkField.objects.get(name="財政")])
    page = card(member_client, yamamoto).content.decode()
    assert "船橋市" in page
    assert "ＤＸ推進局 ｼｽﾃﾑ課" in page
    assert "財政" in page
    assert "@yamamoto-hanako" in page
    assert reverse("members:detail", args=[yamamoto.pk]) in page
    assert "<html" not in page  # a fragment


def test_card_respects_privacy_flags(member_client, yamamoto):
    yamamoto.work_fields.set([WorkField.objects.get(name="財政")])
    yamamoto.hide_department = yamamoto.hide_work_fields = True
    yamamoto.save()
    page = card(member_client, yamamoto).content.decode()
    assert "ＤＸ推進局" not in page
    assert "財政" not in page
    assert "船橋市" in page


def test_card_is_the_same_404_for_hidden_and_missing(member_client, yamamoto):
    unverified = MemberFactory(display_name="未確認 一郎", verified=False)
    hidden = card(member_client, unverified)
    missing = member_client.get(reverse("members:card", args=[10**9]))
    assert hidden.status_code == missing.status_code == 404
    assert "未確認" not in hidden.content.decode()
    assert hidden.templates[0].name == missing.templates[0].name == "404.html"


def test_card_query_count(member_client, yamamoto, django_assert_num_queries):
    yamamoto.work_fields.set(WorkField.objects.all()[:5])
    card(member_client, yamamoto)
    with django_assert_num_queries(QUERIES_CARD):
        assert card(member_client, yamamoto).status_code == 200


QUERIES_CARD = 4


def test_names_open_cards_in_posts_lists_and_chat(member_client, member, yamamoto):
    group = make_group(yamamoto)
    Membership.objects.create(group=group, member=member, role=Membership.Role.MODERATOR)
    card_url = reverse("members:card", args=[yamamoto.pk])
    members_page = member_client.get(reverse("groups:members", args=[group.slug]))
    assert f'data-member-card="{card_url}"' in members_page.content.decode()
    directory = member_client.get(DIRECTORY, {"q": "やまもと"}).content.decode()
    assert f'data-member-card="{card_url}"' in directory

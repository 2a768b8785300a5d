import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from members import services
from members.forms import ProfileForm, avatar_thumbnail
from members.models import Posting, WorkField
from tests.factories import MemberFactory, organization
from tests.support.images import png

pytestmark = pytest.mark.django_db


def _profile_data(member, **changes):
    data = {
        "display_name": member.display_name,
        "display_name_kana": member.display_name_kana,
        "handle": member.handle,
        "organization": member.organization_id,
        "department": member.department,
        "section": member.section,
        "team": member.team,
        "bio": member.bio,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _png(size=(8, 8)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "#0b5394").save(buffer, "PNG")
    return SimpleUploadedFile("icon.png", buffer.getvalue(), content_type="image/png")


def test_edit_profile_and_other_members_see_it(member_client, member, other_client):
    finance = WorkField.objects.get(name="財政")
    response = member_client.post(
        reverse("members:profile"),
        _profile_data(member, bio="予算編成を担当しています。", work_fields=[finance.pk]),
    )
    assert response.status_code == 302
    page = other_client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert "予算編成を担当しています。" in page and "財政" in page


def test_a_member_of_no_organization_shows_a_dash_not_none(other_client):
    account = MemberFactory(organization=None, display_name="ナレッジ取り込み")
    page = other_client.get(reverse("members:detail", args=[account.pk])).content.decode()
    assert "None" not in page and "<p>—" in page


def test_private_fields_are_hidden_from_others_but_not_from_self(
    member_client, member, other_client
):
    member_client.post(
        reverse("members:profile"),
        _profile_data(member, bio="ひみつの自己紹介", private_fields=["bio", "department"]),
    )
    page = other_client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert "ひみつの自己紹介" not in page and member.section not in page
    own = member_client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert "ひみつの自己紹介" in own


def test_department_change_closes_the_current_posting(member_client, member):
    start = date(2023, 4, 1)
    Posting.objects.create(
        member=member,
        organization=member.organization,
        department=member.department,
        section=member.section,
        started_on=start,
    )
    member_client.post(
        reverse("members:profile"),
        _profile_data(member, section="財政部 財政課", record_as_transfer="on"),
    )
    closed = Posting.objects.get(member=member, started_on=start)
    assert closed.ended_on == timezone.localdate()
    current = Posting.objects.get(member=member, ended_on__isnull=True)
    assert current.section == "財政部 財政課"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"display_name": ""}, "氏名を入力してください。"),
        ({"bio": "あ" * 100_000}, "1000"),
        ({"display_name_kana": "yamada"}, "ひらがな"),
    ],
)
def test_bad_profile_input_gets_a_japanese_error_and_saves_nothing(
    member_client, member, changes, message
):
    before = (member.display_name, member.bio, member.organization_id)
    response = member_client.post(reverse("members:profile"), _profile_data(member, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    member.refresh_from_db()
    assert (member.display_name, member.bio, member.organization_id) == before


def test_avatar_is_served_only_through_the_policy_checked_view(
    member_client, member, anonymous_client
):
    response = member_client.post(
        reverse("members:profile"), {**_profile_data(member), "avatar": _png()}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    url = reverse("members:avatar", args=[member.pk])
    assert member_client.get(url).status_code == 200
    anonymous = anonymous_client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    shown = f'src="{url}" alt="{member.display_name}さんのアイコン"'
    assert shown in member_client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert shown in member_client.get(reverse("members:directory")).content.decode()


def test_a_member_without_an_icon_shows_the_first_letter_of_their_name(member_client, member):
    page = member_client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert f'avatar--initial" aria-hidden="true">{member.display_name[0]}</span>' in page


def test_avatar_that_is_not_an_image_is_refused(member_client, member):
    fake = SimpleUploadedFile("icon.png", b"%PDF-1.7 not an image", content_type="image/png")
    response = member_client.post(
        reverse("members:profile"), {**_profile_data(member), "avatar": fake}
    )
    assert response.status_code == 200
    assert "画像" in response.content.decode()
    member.refresh_from_db()
    assert not member.avatar


def test_oversized_avatar_is_refused(member_client, member, settings):
    settings.AVATAR_MAX_BYTES = 100
    response = member_client.post(
        reverse("members:profile"), {**_profile_data(member), "avatar": _png((64, 64))}
    )
    assert "画像は2MB以下にしてください。" in response.content.decode()


def test_add_and_delete_a_past_posting(member_client, member):
    payload = {
        "organization": organization("船橋市").pk,
        "department": "税務部",
        "started_on": "2018-04-01",
        "ended_on": "2021-03-31",
    }
    assert member_client.post(reverse("members:posting_add"), payload).status_code == 302
    posting = Posting.objects.get(member=member, department="税務部")
    page = member_client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert "船橋市" in page and "2018年4月1日" in page
    response = member_client.post(reverse("members:posting_delete", args=[posting.pk]))
    assert response.status_code == 302
    assert not Posting.objects.filter(pk=posting.pk).exists()


def test_posting_that_ends_before_it_starts_is_refused(member_client, member):
    payload = {
        "organization": member.organization_id,
        "started_on": "2021-04-01",
        "ended_on": "2020-03-31",
    }
    response = member_client.post(reverse("members:posting_add"), payload)
    assert response.status_code == 400
    assert "終了日は開始日より後にしてください。" in response.content.decode()
    assert not Posting.objects.filter(member=member).exists()


def test_cannot_delete_someone_elses_posting(member_client):
    other = MemberFactory()
    posting = Posting.objects.create(
        member=other,
        organization=other.organization,
        started_on=date(2019, 4, 1),
        ended_on=date(2020, 3, 31),
    )
    assert (
        member_client.post(reverse("members:posting_delete", args=[posting.pk])).status_code == 404
    )
    assert Posting.objects.filter(pk=posting.pk).exists()


def test_unknown_and_inactive_members_are_the_same_404(member_client):
    gone = MemberFactory(is_active=False)
    assert member_client.get(reverse("members:detail", args=[gone.pk])).status_code == 404
    assert member_client.get(reverse("members:detail", args=[999_999])).status_code == 404


@pytest.mark.parametrize("postings", [0, 12])
def test_page_query_counts_do_not_grow_with_content(
    member_client, member, postings, django_assert_max_num_queries
):
    for year in range(postings):
        Posting.objects.create(
            member=member,
            organization=member.organization,
            started_on=date(2000 + year, 4, 1),
            ended_on=date(2001 + year, 3, 31),
        )
    member.work_fields.set(WorkField.objects.all()[:5])
    # a member with no unread notifications; the home page's panels (tests/groups/test_home.py,
    # tests/knowledge/test_home_panel.py, the events' two: one each) cost a fixed number each;
    # the profile form edits a copy of the request's member, with its fields and postings
    # (a locked organization, the domain's, offered as read for the lock: no query of its own)
    limits = {"/": 12, reverse("members:detail", args=[member.pk]): 6,
              reverse("members:profile"): 8}  # fmt: skip
    for url, limit in limits.items():
        with django_assert_max_num_queries(limit):
            assert member_client.get(url).status_code == 200


def test_a_correction_keeps_the_current_posting_and_can_set_its_start(member_client, member):
    Posting.objects.create(
        member=member, organization=member.organization, department=member.department,
        section="税務部 市民税課", started_on=date(2024, 4, 1),
    )  # fmt: skip
    member_client.post(
        reverse("members:profile"),
        _profile_data(member, section="税務部 市民税務課", current_since="2024-04-01"),
    )
    posting = Posting.objects.get(member=member)
    assert posting.ended_on is None and posting.section == "税務部 市民税務課"
    assert posting.started_on == date(2024, 4, 1)


def test_organization_follows_the_email_domain(member_client, member):
    response = member_client.post(
        reverse("members:profile"), _profile_data(member, organization=organization("総務省").pk)
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.organization.name == "神戸市" and member.organization_confirmed


def test_a_locked_organization_is_the_only_option_on_the_form(member_client, member):
    page = member_client.get(reverse("members:profile")).content.decode()
    select = page[page.index('name="organization"') :].split("</select>")[0]
    assert select.count("<option") == 1 and ">神戸市</option>" in select and "disabled" in select
    # and no other organization is read for it (the ~1,800 rows were most of the page's time)
    offered = ProfileForm(instance=member).fields["organization"].queryset
    assert list(offered) == [member.organization]


def test_kana_is_stored_in_hiragana(member_client, member):
    data = _profile_data(member, display_name_kana="ｺｳﾍﾞ ﾀﾛｳ")
    member_client.post(reverse("members:profile"), data)
    member.refresh_from_db()
    assert member.display_name_kana == "こうべ たろう"


def test_avatar_is_shrunk_and_stripped(member_client, member):
    member_client.post(
        reverse("members:profile"), {**_profile_data(member), "avatar": _png((2000, 1000))}
    )
    member.refresh_from_db()
    with Image.open(member.avatar.open("rb")) as stored:
        assert stored.size == (512, 256) and stored.format == "PNG"
        assert not stored.getexif()


def test_preview_shows_your_profile_as_others_see_it(member_client, member):
    member.bio = "ひみつの自己紹介"
    member.hide_bio = True
    member.save()
    url = reverse("members:detail", args=[member.pk])
    assert "ひみつの自己紹介" in member_client.get(url).content.decode()
    assert "ひみつの自己紹介" not in member_client.get(url + "?as=member").content.decode()


def test_email_is_private_by_default(member, other_client):
    page = other_client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert member.email not in page


def test_unverified_accounts_are_invisible_to_members(member_client):
    ghost = MemberFactory(verified=False, display_name="幽霊 太郎")
    assert member_client.get(reverse("members:detail", args=[ghost.pk])).status_code == 404
    page = member_client.get(reverse("members:directory"), {"q": "幽霊"}).content.decode()
    assert "幽霊 太郎" not in page


def test_the_add_posting_page_offers_every_organization(member_client):
    page = member_client.get(reverse("members:posting_add")).content.decode()
    assert page.count("<option") > 1800 and "以前の所属を追加" in page


# --- icon uploads: bounded decoding, and files that follow the transaction ------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _stored(media) -> list[str]:
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())


def test_an_avatar_bomb_is_refused_from_its_header(member_client, member, media):
    bomb = SimpleUploadedFile("icon.png", png(12000, 12000, "L"), content_type="image/png")
    response = member_client.post(
        reverse("members:profile"), {**_profile_data(member), "avatar": bomb}
    )
    assert response.status_code == 200
    assert "画像の画素数が大きすぎます。縦×横が12,000,000画素(12メガピクセル)以下" in (
        response.content.decode()
    )
    member.refresh_from_db()
    assert not member.avatar and _stored(media) == []


def test_a_big_jpeg_photo_is_decoded_at_a_reduced_scale_and_accepted(member_client, member, media):
    buffer = io.BytesIO()
    Image.new("RGB", (4800, 3200), "#0b5394").save(buffer, "JPEG")  # 15.4 MP, over the limit
    photo = SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")
    response = member_client.post(
        reverse("members:profile"), {**_profile_data(member), "avatar": photo}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    with Image.open(member.avatar.open("rb")) as stored:
        assert stored.size == (512, 341)


def test_a_new_avatar_is_removed_when_the_profile_save_fails(member, media):
    with pytest.raises(IntegrityError), transaction.atomic():
        services.profile_update(member=member, data={}, avatar=avatar_thumbnail(_png()))
        assert len(_stored(media)) == 1
        Posting.objects.create(
            member=member, organization=member.organization, started_on=date.today()
        )
    assert _stored(media) == []


def test_a_replaced_avatar_file_is_removed_after_commit(member, media, committing):
    with committing():
        services.profile_update(member=member, data={}, avatar=avatar_thumbnail(_png()))
    first = member.avatar.name
    with committing():
        services.profile_update(member=member, data={}, avatar=avatar_thumbnail(_png()))
    assert _stored(media) == [member.avatar.name] and member.avatar.name != first
    with pytest.raises(IntegrityError), transaction.atomic():
        services.profile_update(member=member, data={}, clear_avatar=True)
        Posting.objects.create(
            member=member, organization=member.organization, started_on=date.today()
        )
    member.refresh_from_db()
    assert _stored(media) == [member.avatar.name]  # the rollback kept it
    with committing():
        services.profile_update(member=member, data={}, clear_avatar=True)
    assert _stored(media) == []


def test_the_first_department_saved_is_no_transfer(member_client):
    newcomer = MemberFactory(department="", section="", team="")
    Posting.objects.create(member=newcomer, organization=newcomer.organization,
                           started_on=date(2026, 4, 1))  # fmt: skip
    member_client.force_login(newcomer)
    member_client.post(
        reverse("members:profile"),
        _profile_data(newcomer, department="行財政局", section="税務部", record_as_transfer="on"),
    )
    posting = Posting.objects.get(member=newcomer)  # still one: completed, not closed
    assert posting.ended_on is None and posting.where == ("行財政局", "税務部", "")
    assert posting.started_on == date(2026, 4, 1)

    # a real change of that department afterwards is a transfer
    member_client.post(
        reverse("members:profile"),
        _profile_data(newcomer, department="行財政局", section="財政部", record_as_transfer="on"),
    )
    assert Posting.objects.filter(member=newcomer).count() == 2
    assert Posting.objects.get(member=newcomer, ended_on__isnull=True).section == "財政部"


def test_bio_is_rendered_as_markdown_and_sanitised(member_client, member, other_client):
    member_client.post(
        reverse("members:profile"),
        _profile_data(member, bio="**債権回収**の担当です。\n[市のサイト](https://www.city.kobe.lg.jp/)"
                      '\n<img src=x onerror="alert(1)"><script>alert(1)</script>'),
    )  # fmt: skip
    page = other_client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert "<strong>債権回収</strong>の担当です。" in page
    assert 'href="https://www.city.kobe.lg.jp/" rel="noopener noreferrer nofollow"' in page
    bio = page.split('class="profile__bio"')[1].split("</div>")[0]
    assert "<script>" not in bio and "<img" not in bio  # shown as text, never as HTML


def test_a_locked_form_shows_the_members_own_organization_when_it_is_not_the_domains(
    member_client, member
):
    """A member recorded under another organization than their address's (before the domain
    was known) sees theirs in the locked select, read for it."""
    member.organization = organization("総務省")
    member.save(update_fields=["organization"])
    page = member_client.get(reverse("members:profile")).content.decode()
    select = page[page.index('name="organization"') :].split("</select>")[0]
    assert select.count("<option") == 1 and ">総務省</option>" in select

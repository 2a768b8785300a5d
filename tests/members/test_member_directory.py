"""人を探す: find people who do, or did, the same job — only through what they let others see."""

from datetime import date

import pytest
from django.urls import reverse

from members.models import Posting, WorkField
from tests.factories import MemberFactory, organization

pytestmark = pytest.mark.django_db
URL = reverse("members:directory")


def names(client, **params) -> str:
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def collector(db):
    """Did 債権回収 in 船橋市 until last March; now in 財政課."""
    person = MemberFactory(display_name="債権 一郎", section="財政部 財政課")
    Posting.objects.create(
        member=person, organization=organization("船橋市"), section="債権回収課",
        started_on=date(2021, 4, 1), ended_on=date(2025, 3, 31),
    )  # fmt: skip
    person.work_fields.set([WorkField.objects.get(name="財政")])
    return person


def test_find_people_by_current_department_and_field(member_client, collector):
    assert "債権 一郎" in names(member_client, q="財政課")
    field = WorkField.objects.get(name="財政")
    assert "債権 一郎" in names(member_client, work_field=field.pk)


def test_a_found_member_links_to_their_profile_and_card(member_client, collector):
    page = names(member_client, q="財政課")
    profile, card = (reverse(f"members:{name}", args=[collector.pk]) for name in ("detail", "card"))
    assert f'href="{profile}" data-member-card="{card}">債権 一郎</a>' in page


def test_each_card_shows_that_members_own_fields_in_order(member_client, collector):
    other = MemberFactory(display_name="窓口 花子")
    other.work_fields.set(WorkField.objects.filter(name__in=["税務", "債権回収"]))
    page = names(member_client)
    cards = {card.split("</a>")[0].split(">")[-1]: card
             for card in page.split('<li class="member-card">')[1:]}  # fmt: skip
    assert '<li class="tag">財政</li>' in cards["債権 一郎"]
    assert '<li class="tag">税務</li>' not in cards["債権 一郎"]
    ordered = [field.label for field in WorkField.objects.filter(name__in=["税務", "債権回収"])]
    tags = "".join(f'<li class="tag">{label}</li>' for label in ordered)
    assert f'<ul class="tags">{tags}</ul>' in cards["窓口 花子"]


def test_find_people_who_did_the_job_before(member_client, collector):
    assert "債権 一郎" in names(member_client, q="債権回収課", former="on")
    assert "債権 一郎" not in names(member_client, q="債権回収課")


@pytest.mark.parametrize(
    ("hidden", "params"),
    [
        ("hide_department", {"q": "財政課"}),
        ("hide_history", {"q": "債権回収課", "former": "on"}),
        ("hide_work_fields", {"work_field": "FIELD"}),
    ],
)
def test_hidden_fields_cannot_be_searched(member_client, collector, hidden, params):
    setattr(collector, hidden, True)
    collector.save()
    if params.get("work_field") == "FIELD":
        params = {"work_field": WorkField.objects.get(name="財政").pk}
    assert "債権 一郎" not in names(member_client, **params)


def test_directory_query_count_does_not_grow(member_client, django_assert_max_num_queries):
    for _ in range(25):
        MemberFactory().work_fields.set(WorkField.objects.all()[:3])
    with django_assert_max_num_queries(10):
        page = names(member_client)
    assert page.count('class="member-card"') == 26


def _card(page: str, name: str) -> str:
    start = page.rindex('<li class="member-card">', 0, page.index(f">{name}</a>"))
    return page[start : page.index("</li>\n", page.index("</div>", start))]


def test_a_card_shows_the_department_and_fields_only_when_the_member_shows_them(
    member_client, collector
):
    shown = _card(names(member_client), "債権 一郎")
    assert '<span class="member-card__org">神戸市 · 行財政局 財政部 財政課</span>' in shown
    assert '<ul class="tags"><li class="tag">財政</li></ul>' in shown
    collector.hide_department = collector.hide_work_fields = True
    collector.save()
    hidden = _card(names(member_client), "債権 一郎")
    assert "財政課" not in hidden and 'class="tags"' not in hidden
    assert '<span class="member-card__org">神戸市</span>' in hidden


def test_a_card_shows_what_members_wrote_as_text(member_client):
    MemberFactory(display_name='<img src=x onerror="alert(1)">', section="<b>課</b>")
    page = names(member_client)
    assert "<img src=x" not in page and "<b>課</b>" not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</a>" in page
    assert "&lt;b&gt;課&lt;/b&gt;</span>" in page


def test_the_directory_lists_and_counts_each_verified_member_once(member_client, member):
    """A member with several addresses comes once; one whose only verified address is not their
    primary one, an unverified one and one who left do not come (nor count)."""
    from allauth.account.models import EmailAddress

    both = MemberFactory(display_name="二通 花子")
    EmailAddress.objects.create(user=both, email="nitsu.old@city.chiba.lg.jp", verified=True)
    aside = MemberFactory(display_name="副 次郎")
    EmailAddress.objects.filter(user=aside).update(verified=False)
    EmailAddress.objects.create(user=aside, email="fuku.other@city.chiba.lg.jp", verified=True)
    MemberFactory(display_name="未確認 三郎", verified=False)
    MemberFactory(display_name="退会 四郎", is_active=False)

    page = names(member_client)

    assert page.count("二通 花子") == 1
    assert "副 次郎" not in page and "未確認 三郎" not in page and "退会 四郎" not in page
    assert '<p class="result-count" role="status">2 人</p>' in page  # the viewer and 二通

"""Which addresses are government addresses, why the others are refused, and which
organization each belongs to: against the rules and the directory the migration loads."""

from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.urls import reverse

from members import domains
from members.adapter import SocialAccountAdapter, social_signup_allowed
from members.models import DomainRule, Organization, OrganizationDomain, User
from tests.factories import MemberFactory, organization

pytestmark = pytest.mark.django_db

# The Japanese reasons of members/domains.py, by code.
REASONS = {
    "not_government": "自治体・省庁のメールアドレスでのみ登録できます。",
    "denied": "このドメインのメールアドレスは、管理者の設定により登録できません。",
    "empty": "メールアドレスを入力してください。",
    "ideographic_dot": "「。」や「．」ではなく半角の「.」を使ってください。",
    "non_ascii": "全角文字や記号が含まれています。半角英数字で入力してください。",
    "at_sign": "「@」はちょうど1つだけ含めてください。",
    "quoted_local": '引用符(")を含むアドレスは登録できません。',
    "bad_local": None,  # two wordings, both about the part before「@」
    "address_literal": "IPアドレスを[ ]で囲んだ形式のアドレスは登録できません。",
    "trailing_dot": "ドメインの末尾にピリオドは付けられません。",
    "empty_label": "ドメインに空の部分(「..」など)があります。",
    "idn": "国際化ドメイン名(日本語ドメイン・xn--)のアドレスは登録できません。",
    "bad_domain": "ドメインに使えない文字が含まれています。",
}

# (address, "ok" with the organization as str() shows it (None: allowed, organization unknown),
#  or "rejected" with the reason code)
GENUINE = [
    ("suzuki@city.kobe.lg.jp", "ok", "神戸市"),
    ("SUZUKI@City.Kobe.LG.JP", "ok", "神戸市"),
    ("  suzuki@city.kobe.lg.jp  ", "ok", "神戸市"),
    ("hanako.suzuki+zeimu@city.yokohama.lg.jp", "ok", "横浜市"),
    ("tanaka@pref.kanagawa.lg.jp", "ok", "神奈川県"),
    ("sato@city.funabashi.lg.jp", "ok", "千葉県船橋市"),
    ("ito@soumu.go.jp", "ok", "総務省"),
    ("ito@gyoukaku.soumu.go.jp", "ok", "総務省"),
    ("kato@rinya.maff.go.jp", "ok", "林野庁"),  # longest suffix beats maff.go.jp
    ("kato@maff.go.jp", "ok", "農林水産省"),
    ("kimura@digital.go.jp", "ok", "デジタル庁"),
    ("kimura@mhlw.go.jp", "ok", "厚生労働省"),
    ("kenkyu@aist.go.jp", "ok", None),  # go.jp is broad: allowed, not a ministry we know
    ("yamada@metro.tokyo.lg.jp", "ok", "東京都"),
    ("yamada@metro.tokyo.jp", "ok", "東京都"),
    ("yamada@section.metro.tokyo.jp", "ok", "東京都"),
    ("oda@town.okutama.tokyo.jp", "ok", "東京都奥多摩町"),
    ("oda@vill.hinohara.tokyo.jp", "ok", "東京都檜原村"),
    ("fuchu@city.fuchu.tokyo.jp", "ok", "東京都府中市"),
    ("fuchu@city.fuchu.hiroshima.jp", "ok", "広島県府中市"),
    ("fuchu@city.fuchu.lg.jp", "ok", None),  # 東京都府中市 or 広島県府中市?
    ("kobe@city.kobe.jp", "ok", "神戸市"),  # Kobe is a designated city: city.kobe.jp is its own
    ("kobe@mail.city.kobe.jp", "ok", "神戸市"),
    ("chiba@city.chiba.jp", "ok", "千葉市"),
    ("sakai@city.sakai.osaka.jp", "ok", "堺市"),
    ("sagami@city.sagamihara.kanagawa.jp", "ok", "相模原市"),
    ("doi@pref.hokkaido.jp", "ok", "北海道"),
    ("doi@pref.kyoto.jp", "ok", "京都府"),
    ("chuo@city.chuo.tokyo.jp", "ok", "東京都中央区"),
    ("chiyoda@city.chiyoda.lg.jp", "ok", "東京都千代田区"),
    ("honjo@city.honjo.lg.jp", "ok", "埼玉県本庄市"),
    ("ikeda@city.ikeda.osaka.lg.jp", "ok", "大阪府池田市"),
    ("ikeda@town.ikeda.fukui.lg.jp", "ok", "福井県池田町"),
    ("ikeda@anything.lg.jp", "ok", None),  # only local governments can hold a name under lg.jp
]

LOOKALIKES = [
    # Names anyone can buy, or that are not what they look like.
    ("x@city.kobe.lg.jp.example.com", "rejected", "not_government"),
    ("x@lg.jp", "rejected", "not_government"),
    ("x@go.jp", "rejected", "not_government"),
    ("x@lgjp.jp", "rejected", "not_government"),
    ("x@lg.jp.example.com", "rejected", "not_government"),
    ("x@city-kobe.lg.jp.evil.jp", "rejected", "not_government"),
    ("x@kobe-city.lg.jp.com", "rejected", "not_government"),
    ("x@city.kobe.lg-jp.com", "rejected", "not_government"),
    ("x@city.kobe.gr.jp", "rejected", "not_government"),
    ("x@cityhall.kobe.jp", "rejected", "not_government"),
    ("x@kobe.jp", "rejected", "not_government"),
    ("x@city.kobe.jp.example.com", "rejected", "not_government"),
    ("x@city.example.jp", "rejected", "not_government"),
    ("x@cafe.sendai.jp", "rejected", "not_government"),
    ("x@shop.chuo.tokyo.jp", "rejected", "not_government"),
    ("x@chuo.tokyo.jp", "rejected", "not_government"),
    ("x@city.tokyo.jp", "rejected", "not_government"),  # Tokyo is no city
    ("x@pref.tokyo.jp", "rejected", "not_government"),  # Tokyo uses metro.tokyo.jp
    ("x@metro.osaka.jp", "rejected", "not_government"),
    ("x@pref.kobe.jp", "rejected", "not_government"),
    ("x@pref.kanagawa.com", "rejected", "not_government"),
    ("x@city.sakai.jp", "rejected", "not_government"),  # sakai.jp is a general-use name
    ("x@city.hamamatsu.jp", "rejected", "not_government"),
    ("x@city.example.tokyo.jp", "rejected", "not_government"),  # example.tokyo.jp is for sale
    ("x@town.shop.osaka.jp", "rejected", "not_government"),
    ("x@city.kobe.osaka.jp", "rejected", "not_government"),  # Kobe is not in Osaka
    ("x@city.okutama.tokyo.jp", "rejected", "not_government"),  # 奥多摩 is a town
    ("x@soumu-go.jp", "rejected", "not_government"),
    ("x@soumu.go.jp.example.com", "rejected", "not_government"),
    ("x@soumu.go.jp.tokyo.jp", "rejected", "not_government"),
    ("x@gmail.com", "rejected", "not_government"),
    ("x@localhost", "rejected", "bad_domain"),
    # Not plain ASCII local@domain.
    ("ｓｕｚｕｋｉ@city.kobe.lg.jp", "rejected", "non_ascii"),
    ("suzuki@city.kobe.lg.jｐ", "rejected", "non_ascii"),
    ("suzuki＠city.kobe.lg.jp", "rejected", "non_ascii"),
    ("鈴木@city.kobe.lg.jp", "rejected", "non_ascii"),
    ("suzuki@神戸市.jp", "rejected", "non_ascii"),
    ("suzuki@city.kobe.lg.jp\u200b", "rejected", "non_ascii"),
    ("suzuki@city。kobe。lg。jp", "rejected", "ideographic_dot"),
    ("suzuki@city．kobe.lg.jp", "rejected", "ideographic_dot"),
    ("suzuki@city｡kobe.lg.jp", "rejected", "ideographic_dot"),
    ("suzuki@xn--wgv71a119e.lg.jp", "rejected", "idn"),
    ("suzuki@city.XN--KOBE-ABC.lg.jp", "rejected", "idn"),
    ("suzuki@city.kobe.lg.jp.", "rejected", "trailing_dot"),
    ("suzuki@hanako@city.kobe.lg.jp", "rejected", "at_sign"),
    ("suzuki.city.kobe.lg.jp", "rejected", "at_sign"),
    ("suzuki@[1.2.3.4]", "rejected", "address_literal"),
    ("suzuki@[IPv6:2001:db8::1]", "rejected", "address_literal"),
    ('"suzuki hanako"@city.kobe.lg.jp', "rejected", "quoted_local"),
    ('"suzuki"@city.kobe.lg.jp', "rejected", "quoted_local"),
    ("suzuki@city..kobe.lg.jp", "rejected", "empty_label"),
    ("suzuki@.city.kobe.lg.jp", "rejected", "empty_label"),
    ("suzuki@", "rejected", "empty_label"),
    ("@city.kobe.lg.jp", "rejected", "bad_local"),
    (".suzuki@city.kobe.lg.jp", "rejected", "bad_local"),
    ("suzuki..hanako@city.kobe.lg.jp", "rejected", "bad_local"),
    ("suzuki hanako@city.kobe.lg.jp", "rejected", "bad_local"),
    ("suzuki(soumu)@city.kobe.lg.jp", "rejected", "bad_local"),
    ("suzuki@city_kobe.lg.jp", "rejected", "bad_domain"),
    ("suzuki@-city.kobe.lg.jp", "rejected", "bad_domain"),
    ("", "rejected", "empty"),
]

CASES = GENUINE + LOOKALIKES


def org_label(organization) -> str | None:
    return None if organization is None else str(organization)


@pytest.mark.parametrize(("address", "verdict", "expected"), CASES)
def test_address(address, verdict, expected):
    check = domains.check_email(address)
    if verdict == "ok":
        assert check.allowed, check.reason
        assert check.address == address.strip().lower()
        assert org_label(check.organization) == expected
    else:
        assert not check.allowed, org_label(check.organization)
        assert check.code == expected
        assert check.reason == REASONS[expected] or (
            expected == "bad_local" and "「@」の前" in check.reason
        )


def test_the_table_is_mostly_lookalikes():
    assert len(CASES) >= 60
    assert len(LOOKALIKES) * 2 >= len(CASES)


# --- What an administrator changes takes effect at once --------------------------------------


@pytest.fixture
def staff_client(client):
    client.force_login(
        MemberFactory(email="kanri@city.kobe.lg.jp", is_staff=True, is_superuser=True)
    )
    return client


def command_answer(address: str) -> list[str]:
    """``check_email ADDRESS`` split into its tab-separated columns."""
    out = StringIO()
    call_command("check_email", address, stdout=out)
    return out.getvalue().rstrip("\n").split("\t")


def post_rule(staff_client, rule=None, **fields):
    """Add a domain rule, or change ``rule``, through the admin form. A field given as None is
    left out of the post, as an unticked checkbox is."""
    data = {"domain": "", "match": "exact", "action": "allow", "is_active": "on", "note": ""}
    if rule is not None:
        data.update(domain=rule.domain, match=rule.match, action=rule.action, note=rule.note)
        data.update({"is_broad": "on"} if rule.is_broad else {})
    data.update(fields)
    data = {name: value for name, value in data.items() if value is not None}
    if rule is None:
        url = reverse("admin:members_domainrule_add")
    else:
        url = reverse("admin:members_domainrule_change", args=[rule.pk])
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def test_a_deny_rule_for_a_go_jp_name_refuses_it_at_once(staff_client):
    assert command_answer("kenkyu@aist.go.jp")[0] == "ok"
    post_rule(staff_client, domain="aist.go.jp", match="exact", action="deny")
    assert command_answer("kenkyu@aist.go.jp") == [
        "rejected",
        "kenkyu@aist.go.jp",
        REASONS["denied"],
    ]
    assert domains.check_email("kenkyu@aist.go.jp").code == "denied"
    assert command_answer("ito@soumu.go.jp")[0] == "ok"  # the rest of go.jp still passes


def test_a_deny_suffix_rule_refuses_the_names_under_it_but_not_the_name_itself(staff_client):
    post_rule(staff_client, domain="aist.go.jp", match="suffix", action="deny")
    assert domains.check_email("kenkyu@tsukuba.aist.go.jp").code == "denied"
    assert domains.check_email("kenkyu@aist.go.jp").allowed


def test_deactivating_the_lg_jp_rule_refuses_lg_jp_at_once(staff_client):
    assert command_answer("suzuki@city.kobe.lg.jp")[0] == "ok"
    post_rule(staff_client, DomainRule.objects.get(domain="lg.jp"), is_active=None)
    assert not DomainRule.objects.get(domain="lg.jp").is_active
    assert command_answer("suzuki@city.kobe.lg.jp") == [
        "rejected",
        "suzuki@city.kobe.lg.jp",
        REASONS["not_government"],
    ]
    assert command_answer("suzuki@city.kobe.jp")[0] == "ok"  # the geographic rule still holds


def test_deactivating_the_geographic_rule_refuses_geographic_names(staff_client):
    post_rule(staff_client, DomainRule.objects.get(match="geographic"), is_active=None)
    assert domains.check_email("oda@town.okutama.tokyo.jp").code == "not_government"
    assert domains.check_email("oda@city.kobe.lg.jp").allowed


def test_an_organization_domain_row_maps_a_domain_nobody_knew(staff_client):
    assert domains.check_email("kenkyu@aist.go.jp").organization is None
    meti = Organization.objects.get(name="経済産業省")
    response = staff_client.post(
        reverse("admin:members_organizationdomain_add"),
        {"domain": "AIST.go.jp", "organization": meti.pk},
    )
    assert response.status_code == 302
    assert OrganizationDomain.objects.filter(domain="aist.go.jp").exists()
    assert domains.check_email("kenkyu@aist.go.jp").organization == meti
    assert command_answer("kenkyu@lab.aist.go.jp") == ["ok", "kenkyu@lab.aist.go.jp", "経済産業省"]


def organization_form(org: Organization, **changes) -> dict:
    """The admin change form of ``org`` as the browser would post it, with ``changes``."""
    data = {
        "name": org.name, "kana": org.kana, "kind": org.kind,
        "prefecture": org.prefecture_id or "", "lg_code": org.lg_code or "",
        "domain_label": org.domain_label, "domain_label_alt": org.domain_label_alt,
        "domains-TOTAL_FORMS": "0", "domains-INITIAL_FORMS": "0",
        "domains-MIN_NUM_FORMS": "0", "domains-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    return {**data, **changes}


def test_editing_an_organizations_label_in_the_admin_changes_the_mapping(staff_client):
    # 南アルプス市 writes its name city.minami-alps.yamanashi.jp, not as its kana reads.
    alps = Organization.objects.get(name="南アルプス市")
    assert not domains.check_email("x@city.minami-alps.yamanashi.jp").allowed
    assert domains.check_email("x@city.minami-alps.lg.jp").organization is None

    url = reverse("admin:members_organization_change", args=[alps.pk])
    response = staff_client.post(url, organization_form(alps, domain_label="minami-alps"))
    assert response.status_code == 302, response.context["adminform"].form.errors

    assert domains.check_email("x@city.minami-alps.yamanashi.jp").organization == alps
    assert domains.check_email("x@city.minami-alps.lg.jp").organization == alps


def test_a_second_organization_with_the_same_label_makes_lg_jp_ambiguous(staff_client):
    kobe = organization("神戸市")
    assert domains.check_email("x@city.kobe.lg.jp").organization == kobe
    akashi = Organization.objects.get(name="明石市")
    url = reverse("admin:members_organization_change", args=[akashi.pk])
    staff_client.post(url, organization_form(akashi, domain_label_alt="kobe"))
    assert domains.check_email("x@city.kobe.lg.jp").organization is None
    # city.kobe.jp is the designated city's own name: only designated cities can match it.
    assert domains.check_email("x@city.kobe.jp").organization == kobe


USER_ADD = {
    "display_name": "鈴木 花子", "display_name_kana": "すずき はなこ",
    "password1": "kobe-zeimu-2026!", "password2": "kobe-zeimu-2026!", "usable_password": "true",
    "postings-TOTAL_FORMS": "0", "postings-INITIAL_FORMS": "0",
    "postings-MIN_NUM_FORMS": "0", "postings-MAX_NUM_FORMS": "1000",
}  # fmt: skip


def test_admin_add_user_refuses_a_non_government_address(staff_client):
    members = User.objects.count()
    response = staff_client.post(
        reverse("admin:members_user_add"), {**USER_ADD, "email": "hanako@gmail.com"}
    )
    assert response.status_code == 200
    assert REASONS["not_government"] in response.content.decode()
    assert User.objects.count() == members
    assert not User.objects.filter(email="hanako@gmail.com").exists()


def test_admin_add_user_accepts_the_same_form_with_a_government_address(staff_client):
    response = staff_client.post(
        reverse("admin:members_user_add"), {**USER_ADD, "email": "Hanako@City.Kobe.LG.JP"}
    )
    assert response.status_code == 302
    assert User.objects.filter(email="hanako@city.kobe.lg.jp").exists()


# --- The social / SSO door applies the same rules --------------------------------------------


@pytest.mark.parametrize(
    ("email", "is_open"),
    [
        ("suzuki@city.kobe.lg.jp", True),
        ("ito@soumu.go.jp", True),
        ("suzuki@gmail.com", False),
        ("suzuki@city.kobe.lg.jp.example.com", False),
        ("suzuki@city.example.jp", False),
        ("ｓｕｚｕｋｉ@city.kobe.lg.jp", False),
        ("", False),
        (None, False),
    ],
)
def test_social_signup_is_open_only_to_government_addresses(rf, email, is_open):
    sociallogin = SimpleNamespace(user=SimpleNamespace(email=email))
    assert social_signup_allowed(sociallogin) is is_open
    assert SocialAccountAdapter().is_open_for_signup(rf.get("/"), sociallogin) is is_open


def test_social_signup_without_an_email_attribute_is_closed(rf):
    sociallogin = SimpleNamespace(user=SimpleNamespace())
    assert not SocialAccountAdapter().is_open_for_signup(rf.get("/"), sociallogin)


def test_a_tree_deny_rule_blocks_the_domain_and_everything_below(db):
    assert domains.check_email("a@aist.go.jp").allowed
    DomainRule.objects.create(domain="aist.go.jp", match="tree", action="deny")
    assert not domains.check_email("a@aist.go.jp").allowed
    assert not domains.check_email("a@unit.aist.go.jp").allowed
    assert domains.check_email("a@soumu.go.jp").allowed

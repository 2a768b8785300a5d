"""The organization directory the migration loads: every prefecture and municipality of the
全国地方公共団体コード, and the national ministries and agencies."""

import re

import pytest

from members.directory import label_candidates, load_organizations
from members.domains import DESIGNATED_CITY_LABELS, PREFECTURE_LABELS
from members.models import Organization, OrganizationDomain, organization_label

pytestmark = pytest.mark.django_db

Kind = Organization.Kind
MUNICIPAL_KINDS = [Kind.CITY, Kind.DESIGNATED_CITY, Kind.SPECIAL_WARD, Kind.TOWN, Kind.VILLAGE]

DESIGNATED_CITIES = {
    "011002": "札幌市", "041009": "仙台市", "111007": "さいたま市", "121002": "千葉市",
    "141003": "横浜市", "141305": "川崎市", "141500": "相模原市", "151009": "新潟市",
    "221007": "静岡市", "221309": "浜松市", "231002": "名古屋市", "261009": "京都市",
    "271004": "大阪市", "271403": "堺市", "281000": "神戸市", "331007": "岡山市",
    "341002": "広島市", "401005": "北九州市", "401307": "福岡市", "431001": "熊本市",
}  # fmt: skip

SPECIAL_WARDS = [
    "千代田区", "中央区", "港区", "新宿区", "文京区", "台東区", "墨田区", "江東区", "品川区",
    "目黒区", "大田区", "世田谷区", "渋谷区", "中野区", "杉並区", "豊島区", "北区", "荒川区",
    "板橋区", "練馬区", "足立区", "葛飾区", "江戸川区",
]  # fmt: skip


def municipalities():
    return Organization.objects.filter(kind__in=MUNICIPAL_KINDS)


def test_47_prefectures_with_their_geographic_labels():
    prefectures = Organization.objects.filter(kind=Kind.PREFECTURE)
    assert prefectures.count() == 47
    assert not prefectures.filter(prefecture__isnull=False).exists()
    labels = {org.lg_code[:2]: org.domain_label for org in prefectures}
    assert labels == PREFECTURE_LABELS
    assert prefectures.get(domain_label="tokyo").name == "東京都"


def test_20_designated_cities_match_the_domain_rules():
    designated = Organization.objects.filter(kind=Kind.DESIGNATED_CITY)
    assert dict(designated.values_list("lg_code", "name")) == DESIGNATED_CITIES
    assert dict(designated.values_list("lg_code", "domain_label")) == DESIGNATED_CITY_LABELS


def test_23_special_wards_of_tokyo():
    wards = Organization.objects.filter(kind=Kind.SPECIAL_WARD)
    assert sorted(wards.values_list("name", flat=True)) == sorted(SPECIAL_WARDS)
    assert set(wards.values_list("prefecture__name", flat=True)) == {"東京都"}


def test_1741_municipalities_each_in_a_prefecture_with_a_label():
    assert municipalities().count() == 1741
    assert not municipalities().filter(prefecture__isnull=True).exists()
    for org in municipalities().select_related("prefecture"):
        assert org.prefecture.kind == Kind.PREFECTURE, org.name
        assert org.lg_code[:2] == org.prefecture.lg_code[:2], org.name
        assert re.fullmatch(r"[a-z]+", org.domain_label), (org.name, org.domain_label)
        assert org.domain_label_alt != org.domain_label, org.name


@pytest.mark.parametrize(
    ("name", "prefecture", "label"),
    [
        ("船橋市", "千葉県", "funabashi"),
        ("奥多摩町", "東京都", "okutama"),
        ("檜原村", "東京都", "hinohara"),
        ("八王子市", "東京都", "hachioji"),
        ("青梅市", "東京都", "ome"),
        ("千代田区", "東京都", "chiyoda"),
        ("府中市", "広島県", "fuchu"),
        ("郡山市", "福島県", "koriyama"),
        ("宇都宮市", "栃木県", "utsunomiya"),
        ("宮崎市", "宮崎県", "miyazaki"),
        ("本庄市", "埼玉県", "honjo"),
        ("上越市", "新潟県", "joetsu"),
        ("四日市市", "三重県", "yokkaichi"),
        ("大阪狭山市", "大阪府", "osakasayama"),
    ],
)
def test_labels_read_like_the_lg_jp_names(name, prefecture, label):
    org = Organization.objects.get(name=name, prefecture__name=prefecture)
    assert org.domain_label == label


@pytest.mark.parametrize(
    ("name", "kana", "expected"),
    [
        ("船橋市", "ﾌﾅﾊﾞｼｼ", ("funabashi", "")),
        ("本庄市", "ﾎﾝｼﾞﾖｳｼ", ("honjo", "honjiyo")),  # large ヨ before ウ: contracted
        ("宮崎市", "ﾐﾔｻﾞｷｼ", ("miyazaki", "myazaki")),  # large ヤ elsewhere: as written
        ("御宿町", "ｵﾝｼﾞﾕｸﾏﾁ", ("onjiyuku", "onjuku")),  # the real one is kept as alternative
        ("恩納村", "ｵﾝﾅｿﾝ", ("onna", "")),
    ],
)
def test_label_candidates(name, kana, expected):
    assert label_candidates(name, kana) == expected


@pytest.mark.parametrize(
    ("name", "domain"),
    [
        ("総務省", "soumu.go.jp"),
        ("厚生労働省", "mhlw.go.jp"),
        ("デジタル庁", "digital.go.jp"),
        ("林野庁", "rinya.maff.go.jp"),
        ("内閣府", "cao.go.jp"),
        ("会計検査院", "jbaudit.go.jp"),
    ],
)
def test_national_ministries_and_agencies_with_their_domains(name, domain):
    org = Organization.objects.get(name=name)
    assert org.kind == Kind.NATIONAL and org.prefecture is None
    assert OrganizationDomain.objects.get(domain=domain).organization == org


def test_loading_twice_changes_nothing():
    organizations, domains = Organization.objects.count(), OrganizationDomain.objects.count()
    assert load_organizations(Organization, OrganizationDomain) == organizations
    assert load_organizations(Organization, OrganizationDomain) == organizations
    assert Organization.objects.count() == organizations
    assert OrganizationDomain.objects.count() == domains


def test_loading_keeps_what_an_administrator_corrected():
    alps = Organization.objects.get(name="南アルプス市")
    alps.domain_label = "minami-alps"
    alps.save()
    rinya = OrganizationDomain.objects.get(domain="rinya.maff.go.jp")
    rinya.organization = Organization.objects.get(name="農林水産省")
    rinya.save()

    load_organizations(Organization, OrganizationDomain)

    alps.refresh_from_db()
    rinya.refresh_from_db()
    assert alps.domain_label == "minami-alps"
    assert rinya.organization.name == "農林水産省"


def test_loading_fills_in_a_label_that_was_cleared():
    funabashi = Organization.objects.get(name="船橋市")
    Organization.objects.filter(pk=funabashi.pk).update(domain_label="")
    load_organizations(Organization, OrganizationDomain)
    funabashi.refresh_from_db()
    assert funabashi.domain_label == "funabashi"


@pytest.mark.parametrize(("name", "shown"), [
    ("葉山町", "神奈川県葉山町"), ("鎌倉市", "神奈川県鎌倉市"), ("横浜市", "横浜市"),
    ("神奈川県", "神奈川県"), ("総務省", "総務省"),
])  # fmt: skip
def test_an_organization_is_named_with_its_prefecture_unless_a_designated_city(name, shown):
    found = Organization.objects.filter(name=name).order_by("lg_code").first()
    assert str(found) == shown
    prefecture = found.prefecture.name if found.prefecture_id else ""
    assert organization_label(found.name, found.kind, prefecture) == shown

"""Default rows loaded by migration: domain rules and fields of work. Admins edit them later."""

from django.utils.translation import gettext_noop as _

DOMAIN_RULES = [
    {
        "domain": "lg.jp",
        "match": "suffix",
        "note": "LG.JP は地方公共団体だけが登録できる属性型ドメインです(lg.jp そのものは除く)。",
    },
    {
        "domain": "go.jp",
        "match": "suffix",
        "is_broad": True,
        "note": (
            "GO.JP は政府機関のほか独立行政法人なども登録できます。省庁の職員に限る場合は、"
            "この規則を無効にして省庁ごとの規則を追加するか、拒否規則で絞り込んでください。"
        ),
    },
    {
        "domain": "jp",
        "match": "geographic",
        "note": (
            "地域型JPドメインのうち地方公共団体用の名前: pref.<都道府県>.jp、metro.tokyo.jp、"
            "city.<政令指定都市>.jp、city|town|vill.<市区町村>.<都道府県>.jp とその下の名前。"
        ),
    },
]

# Names are gettext_noop strings: the English site shows them through the catalogue
# (WorkField.label); a field an administrator adds later shows as written.
WORK_FIELDS = [
    _("財政"),
    _("税務"),
    _("債権回収"),
    _("総務・人事"),
    _("企画・政策"),
    _("情報政策・DX"),
    _("防災・危機管理"),
    _("福祉"),
    _("子育て支援"),
    _("高齢者福祉"),
    _("保健・医療"),
    _("ワクチン接種"),
    _("教育"),
    _("生涯学習・文化"),
    _("環境"),
    _("SDGs"),
    _("都市計画"),
    _("土木・建設"),
    _("上下水道"),
    _("農林水産"),
    _("商工・観光"),
    _("住民窓口・戸籍"),
    _("国民健康保険・年金"),
    _("広報・広聴"),
    _("議会"),
    _("監査"),
    _("選挙"),
]


def load_defaults(DomainRule, WorkField) -> None:
    for rule in DOMAIN_RULES:
        DomainRule.objects.get_or_create(
            domain=rule["domain"], match=rule["match"], action="allow",
            defaults={"note": rule["note"], "is_broad": rule.get("is_broad", False)},
        )  # fmt: skip
    for position, name in enumerate(WORK_FIELDS):
        WorkField.objects.get_or_create(name=name, defaults={"position": position})

"""Default rows loaded by migration: domain rules and fields of work. Admins edit them later."""

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

WORK_FIELDS = [
    "財政", "税務", "債権回収", "総務・人事", "企画・政策", "情報政策・DX", "防災・危機管理",
    "福祉", "子育て支援", "高齢者福祉", "保健・医療", "ワクチン接種", "教育", "生涯学習・文化",
    "環境", "SDGs", "都市計画", "土木・建設", "上下水道", "農林水産", "商工・観光",
    "住民窓口・戸籍", "国民健康保険・年金", "広報・広聴", "議会", "監査", "選挙",
]  # fmt: skip


def load_defaults(DomainRule, WorkField) -> None:
    for rule in DOMAIN_RULES:
        DomainRule.objects.get_or_create(
            domain=rule["domain"], match=rule["match"], action="allow",
            defaults={"note": rule["note"], "is_broad": rule.get("is_broad", False)},
        )  # fmt: skip
    for position, name in enumerate(WORK_FIELDS):
        WorkField.objects.get_or_create(name=name, defaults={"position": position})

"""Demo members for seed_demo: real municipalities and ministries, invented people."""

from datetime import date

LOGINS = [
    ("demo-member@city.kobe.lg.jp", "一般会員"),
    ("demo-organizer@pref.kanagawa.lg.jp", "勉強会の主催者"),
    ("demo-moderator@city.funabashi.lg.jp", "モデレーター"),
    ("demo-admin@soumu.go.jp", "管理者(スーパーユーザー)"),
]

MEMBERS = [
    {
        "email": "demo-member@city.kobe.lg.jp", "name": "山本 美咲", "kana": "やまもと みさき",
        "department": "行財政局", "section": "税務部 市民税課", "team": "収納係",
        "fields": ["税務", "債権回収"],
        "bio": "4月に福祉局から税務部へ異動しました。滞納整理は初めてなので、"
               "差押えや分納相談の進め方を皆さんに教わりながら勉強中です。",
        "history": [("神戸市", "福祉局", "高齢福祉課", "", date(2021, 4, 1), date(2025, 3, 31))],
    },
    {
        "email": "demo-organizer@pref.kanagawa.lg.jp", "name": "佐藤 健太", "kana": "さとう けんた",
        "department": "政策局", "section": "デジタル戦略本部室", "team": "",
        "fields": ["情報政策・DX", "企画・政策"],
        "bio": "県内市町村との自治体DX勉強会を毎週木曜の夜に開いています。"
               "書かない窓口やRPAの導入事例を持ち寄る会です。お気軽にどうぞ。",
        "history": [("神奈川県", "総務局", "財政課", "", date(2019, 4, 1), date(2023, 3, 31))],
    },
    {
        "email": "demo-moderator@city.funabashi.lg.jp", "name": "高橋 由美子", "kana": "たかはし ゆみこ",
        "department": "健康福祉局", "section": "保健所 保健総務課", "team": "",
        "fields": ["保健・医療", "ワクチン接種"],
        "bio": "新型コロナのワクチン接種体制の立ち上げを担当しました。"
               "集団接種会場の運営や予約システムのことなら何でも聞いてください。",
        "history": [],
    },
    {
        "email": "demo-admin@soumu.go.jp", "name": "中村 大輔", "kana": "なかむら だいすけ",
        "department": "自治行政局", "section": "地域力創造グループ", "team": "",
        "fields": ["企画・政策"],
        "bio": "オンライン市役所の運営事務局です。困ったことがあれば声をかけてください。",
        "history": [("総務省", "自治財政局", "財務調査課", "", date(2020, 7, 1), date(2024, 6, 30))],
    },
    {
        "email": "ito.kazuki@city.sapporo.jp", "name": "伊藤 和樹", "kana": "いとう かずき",
        "department": "財政局", "section": "財政部 財政課", "team": "",
        "fields": ["財政"], "history": [],
        "bio": "予算編成を担当して3年目です。地方交付税の算定で分からないことがあれば一緒に考えます。",
    },
    {
        "email": "watanabe.ayaka@city.sendai.jp", "name": "渡辺 彩花", "kana": "わたなべ あやか",
        "department": "子供未来局", "section": "子供保健福祉課", "team": "",
        "fields": ["子育て支援"], "history": [],
        "bio": "子育て世代包括支援センターの運営をしています。子育てサロンの世話役もしています。",
    },
    {
        "email": "kobayashi.shota@city.yokohama.lg.jp", "name": "小林 翔太", "kana": "こばやし しょうた",
        "department": "温暖化対策統括本部", "section": "企画調整部", "team": "",
        "fields": ["環境", "SDGs"], "history": [],
        "bio": "SDGs未来都市の取組を担当しています。企業との連携事例を集めています。",
    },
    {
        "email": "kato.megumi@city.niigata.lg.jp", "name": "加藤 恵", "kana": "かとう めぐみ",
        "department": "市民生活部", "section": "市民生活課", "team": "",
        "fields": ["住民窓口・戸籍"], "history": [],
        "bio": "窓口のキャッシュレス決済を導入しました。趣味は吹奏楽で、音楽サークルにも参加しています。",
    },
    {
        "email": "yoshida.takuya@city.shizuoka.lg.jp", "name": "吉田 拓也", "kana": "よしだ たくや",
        "department": "危機管理総室", "section": "危機管理課", "team": "",
        "fields": ["防災・危機管理"], "history": [],
        "bio": "南海トラフ地震に備えた受援計画の見直しを担当しています。",
    },
    {
        "email": "yamada.haruka@city.nagoya.lg.jp", "name": "山田 遥", "kana": "やまだ はるか",
        "department": "健康福祉局", "section": "高齢福祉部 介護保険課", "team": "",
        "fields": ["高齢者福祉"], "history": [],
        "bio": "介護保険料の賦課と徴収を担当しています。",
    },
    {
        "email": "sasaki.ryo@city.kyoto.lg.jp", "name": "佐々木 涼", "kana": "ささき りょう",
        "department": "文化市民局", "section": "文化芸術企画課", "team": "",
        "fields": ["生涯学習・文化"], "history": [],
        "bio": "文化施設の指定管理者制度を担当しています。",
    },
    {
        "email": "yamaguchi.nao@city.fukuoka.lg.jp", "name": "山口 奈央", "kana": "やまぐち なお",
        "department": "総務企画局", "section": "行政部 行政マネジメント課", "team": "",
        "fields": ["情報政策・DX"], "history": [],
        "bio": "行政手続のオンライン化を進めています。LINEを使った申請の事例をお話しできます。",
    },
    {
        "email": "matsumoto.kei@town.hayama.lg.jp", "name": "松本 圭", "kana": "まつもと けい",
        "department": "", "section": "企画調整課", "team": "",
        "fields": ["企画・政策", "広報・広聴"], "history": [],
        "bio": "小さな町なので一人で何役もこなしています。広報紙のデザインを見直し中です。",
    },
    {
        "email": "inoue.saki@vill.hinohara.tokyo.jp", "name": "井上 咲", "kana": "いのうえ さき",
        "department": "", "section": "総務課", "team": "",
        "fields": ["総務・人事", "選挙"], "history": [],
        "bio": "村役場で総務と選挙事務を担当しています。少人数での選挙事務の工夫を共有したいです。",
    },
    {
        "email": "kimura.yuto@mhlw.go.jp", "name": "木村 悠斗", "kana": "きむら ゆうと",
        "department": "健康・生活衛生局", "section": "感染症対策部 予防接種課", "team": "",
        "fields": ["ワクチン接種", "保健・医療"], "history": [],
        "bio": "予防接種制度を担当しています。自治体の現場の声を制度に反映したいと思っています。",
    },
]  # fmt: skip

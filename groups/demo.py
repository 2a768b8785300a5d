"""Demo groups and threads for seed_demo: questions from newly transferred staff, solved and
unsolved, answered from several municipalities. Safe to run twice (groups are keyed by slug)."""

from django.db import transaction

from groups import services
from groups.models import Group, Membership, Post
from members.models import User

GROUPS = [
    ("saiken", "債権回収", "open", "滞納整理・債権回収の実務を相談する場です。差押え、分納、時効管理など。"),
    ("zaisei", "財政", "open", "予算編成、地方交付税、決算統計など財政担当者の情報交換。"),
    ("vaccine", "ワクチン接種体制", "closed", "予防接種の体制づくり。会場運営、予約システム、医師会との調整。"),
    ("sdgs", "SDGs", "open", "SDGs未来都市、企業連携、市民向けの啓発の事例を共有します。"),
    ("dx", "自治体DX", "open", "書かない窓口、RPA、ノーコード、オンライン申請の導入事例。"),
    ("kosodate", "子育てサロン", "open", "子育て中の職員のおしゃべりの場。仕事と育児の両立の工夫など。"),
    ("music", "音楽サークル", "open", "吹奏楽・合唱・バンド。演奏会のお知らせや練習場所の情報交換。"),
]  # fmt: skip

# (group slug, asker email, title, body, tags, [(replier email, body)], index of the accepted reply)
THREADS = [
    (
        "saiken", "demo-member@city.kobe.lg.jp", "分納誓約が途中で止まった滞納者への次の一手",
        "4月に福祉局から税務部に異動してきました。分納誓約をしていた方の入金が3か月止まっていて、"
        "電話にも出てもらえません。次に何をすべきか、皆さんの職場での進め方を教えてください。",
        ["滞納整理", "分納"],
        [
            ("demo-moderator@city.funabashi.lg.jp",
             "まずは財産調査ですね。預貯金と給与の照会をかけて、差押えできる財産があるか確認します。"
             "船橋市では催告書を一度送ってから2週間で調査に入る運用にしています。"),
            ("ito.kazuki@city.sapporo.jp",
             "分納が止まった理由が生活困窮の場合もあるので、福祉部門との連携窓口を案内するのも大事です。"
             "札幌市では「滞納整理と生活再建支援の連携マニュアル」を作っています。"),
        ],
        0,
    ),
    (
        "zaisei", "kobayashi.shota@city.yokohama.lg.jp", "普通交付税の算定で「事業費補正」の考え方がつかめません",
        "今年度から財政課です。普通交付税の基準財政需要額のうち事業費補正がよく分かりません。"
        "分かりやすい資料や、最初に読むべきものがあれば教えてください。",
        ["地方交付税"],
        [("ito.kazuki@city.sapporo.jp",
          "総務省の「地方交付税制度解説(補正係数・基準財政収入額篇)」が一番の近道です。"
          "まず公債費に連動する部分から読むと全体像がつかみやすいですよ。")],
        None,
    ),
    (
        "dx", "yamaguchi.nao@city.fukuoka.lg.jp", "書かない窓口、導入後に職員の負担は減りましたか?",
        "来年度から書かない窓口を導入予定です。すでに導入した自治体の方、職員側の負担感の変化を"
        "聞かせてください。特に住民異動の繁忙期がどうだったか知りたいです。",
        ["窓口", "DX"],
        [
            ("kato.megumi@city.niigata.lg.jp",
             "新潟市では繁忙期の待ち時間が平均で2割ほど短くなりました。ただ導入直後は入力の確認作業が増えたので、"
             "最初の1か月は応援体制を厚くしておくことをおすすめします。"),
        ],
        0,
    ),
    (
        "music", "kato.megumi@city.niigata.lg.jp", "昼休みに練習できる場所、どうしていますか",
        "庁舎の会議室を昼休みに借りて練習したいのですが、音の問題で断られがちです。"
        "皆さんの職場ではどうしていますか?",
        ["練習"],
        [("watanabe.ayaka@city.sendai.jp", "仙台市では地下の倉庫横の小会議室を使わせてもらっています。防音はありませんが苦情は出ていません!")],
        None,
    ),
]  # fmt: skip


def seed() -> int:
    """Create the demo groups and threads once; returns how many groups were new."""
    owner = User.objects.filter(email="demo-organizer@pref.kanagawa.lg.jp").first()
    if owner is None or Group.objects.filter(slug="saiken").exists():
        return 0
    with transaction.atomic():
        for slug, name, kind, description in GROUPS:
            _group(owner, slug, name, kind, description)
        for thread in THREADS:
            _thread(*thread)
    return len(GROUPS)


def _group(owner, slug, name, kind, description):
    group = Group.objects.create(
        slug=slug, name=name, description=description, kind=kind,
        status=Group.Status.ACTIVE, proposed_by=owner,
    )  # fmt: skip
    Membership.objects.create(group=group, member=owner, role=Membership.Role.OWNER)
    moderator = User.objects.get(email="demo-moderator@city.funabashi.lg.jp")
    Membership.objects.get_or_create(
        group=group, member=moderator, defaults={"role": Membership.Role.MODERATOR}
    )
    for member in User.objects.exclude(pk__in=[owner.pk, moderator.pk]):
        Membership.objects.get_or_create(group=group, member=member)


def _thread(slug, asker, title, body, tags, replies, accepted):
    group = Group.objects.get(slug=slug)
    author = User.objects.get(email=asker)
    topic = services.topic_create(
        author=author, group=group, title=title, body=body, tags=tags, is_question=True
    )
    posts = [
        services.post_create(author=User.objects.get(email=email), topic=topic, body=text)
        for email, text in replies
    ]
    if accepted is not None:
        services.answer_accept(
            actor=author, topic=topic, post=Post.objects.get(pk=posts[accepted].pk)
        )

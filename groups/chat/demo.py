"""Demo chat for seed_demo: everyday talk in the hobby circles and a quick question in 債権回収.
Safe to run twice (a room that already has messages is left alone)."""

from django.db import transaction

from groups.chat import services
from groups.models import Group
from members.models import User

# (group slug, [(author email, body, index of the message it replies to or None, reactions)])
CHATS = {
    "music": [
        ("kato.megumi@city.niigata.lg.jp", "おはようございます!今週末の合同練習、会場は市民会館の小ホールに決まりました🎺", None, []),
        ("watanabe.ayaka@city.sendai.jp", "ありがとうございます。楽譜は前回と同じものを持っていけばよいですか?", 0, []),
        ("kato.megumi@city.niigata.lg.jp", "はい、**前回の楽譜**で大丈夫です。2曲目だけ差し替えがあるので当日お配りします。", 1, ["thanks"]),
        ("demo-member@city.kobe.lg.jp", "初参加です。チューバ担当ですが、見学だけでも大丈夫でしょうか?", None, []),
        ("demo-moderator@city.funabashi.lg.jp", "大歓迎です!@yamamoto-misaki さん、楽器がなくても見学だけでどうぞ。", 3, ["like"]),
    ],
    "kosodate": [
        ("yamaguchi.nao@city.fukuoka.lg.jp", "保育園のお迎えで毎日17時に退庁しています。時差出勤を使っている方いますか?", None, []),
        ("ito.kazuki@city.sapporo.jp", "札幌市では7時半始業の時差出勤が選べるので、朝早く来てお迎えに間に合わせています。", 0, ["helpful"]),
        ("kobayashi.shota@city.yokohama.lg.jp", "テレワークの日を週1日入れるだけでもだいぶ楽になりました。", None, ["like"]),
    ],
    "saiken": [
        ("demo-member@city.kobe.lg.jp", "少し教えてください。預金照会の回答が来ない金融機関には、皆さん督促していますか?", None, []),
        ("demo-moderator@city.funabashi.lg.jp", "船橋市では2週間たったら電話で確認しています。照会書の控えに期限を書いておくと忘れません。", 0, ["helpful", "thanks"]),
    ],
}  # fmt: skip


def seed() -> int:
    """Create the demo chat once per room; returns how many messages were new."""
    created = 0
    for slug, lines in CHATS.items():
        group = Group.objects.filter(slug=slug).first()
        if group is None:
            continue
        room = services.room_for_group(group)
        if room.messages.exists():
            continue
        with transaction.atomic():
            created += _room(room, lines)
    return created


def _room(room, lines) -> int:
    sent = []
    for number, (email, body, reply_to, reactions) in enumerate(lines):
        author = User.objects.get(email=email)
        reply_seq = sent[reply_to].seq if reply_to is not None else None
        message, _created = services.message_send(
            author=author, room=room, client_id=f"demo-{number}", body=body, reply_to_seq=reply_seq
        )
        for kind, reactor in zip(reactions, _others(author), strict=False):
            services.reaction_toggle(member=reactor, message=message, kind=kind)
        sent.append(message)
    return len(sent)


def _others(author):
    return User.objects.filter(email__startswith="demo-").exclude(pk=author.pk).order_by("pk")

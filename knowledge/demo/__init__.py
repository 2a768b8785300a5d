"""Demo knowledge for seed_demo: the 45 documents of the search-relevance set (a copy in
docs/, so the site needs nothing outside itself), imported like any folder. Safe to run twice:
files keep their keys, so a second run finds them unchanged."""

from pathlib import Path

from django.db import transaction

from groups.models import Group, Membership
from knowledge import importing

DOCS = Path(__file__).resolve().parent / "docs"
# The set's group names → the demo groups' slugs (groups/demo.py), so the demo's notes sit in
# the groups its members already talk in; `transfer` has no demo group and is created. The
# set's two members-only topics go to closed rooms beside the open groups (an open group's
# topics are for everyone).
DEMO_GROUPS = {
    "finance": "zaisei", "debt-collection": "saiken", "vaccination": "vaccine",
    "parenting-salon": "kosodate", "music-circle": "music",
}  # fmt: skip
MEMBERS_ONLY_TOPICS = {"pub-013": "saiken-staff", "pub-045": "music-players"}
CLOSED_ROOMS = [  # (slug, the open group beside it, name, description)
    ("saiken-staff", "saiken", "債権回収 担当者ルーム",
     "滞納整理の担当者だけで相談する部屋です。"),
    ("music-players", "music", "音楽サークル 演奏メンバー",
     "演奏会に出るメンバーの打ち合わせ用です。"),
]  # fmt: skip


def seed() -> importing.Report:
    for slug, beside, name, description in CLOSED_ROOMS:
        _closed_room(slug, beside, name, description)
    return importing.import_folder(DOCS)


@transaction.atomic
def _closed_room(slug: str, beside: str, name: str, description: str) -> None:
    """A closed group with the members (and roles) of the open group ``beside``."""
    open_group = Group.objects.filter(slug=beside).first()
    if open_group is None or Group.objects.filter(slug=slug).exists():
        return
    room = Group.objects.create(
        slug=slug, name=name, description=description, kind=Group.Kind.CLOSED,
        status=Group.Status.ACTIVE, proposed_by=open_group.proposed_by,
    )  # fmt: skip
    Membership.objects.bulk_create(
        Membership(group=room, member_id=member_id, role=role)
        for member_id, role in open_group.memberships.values_list("member_id", "role")
    )

"""The knowledge base's moderation queue (registered from KnowledgeConfig.ready): pages waiting
in a section's workflow for a member of its reviewers (knowledge.editors), worked through on
the editor's dashboard, which lists what awaits the member's review."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cityhall import moderation
from cityhall.moderation import ModerationQueue
from knowledge import editors

QUEUES = [
    ModerationQueue(
        key="knowledge_review",
        label=_("レビュー待ちのページ"),
        url=lambda member: reverse("wagtailadmin_home"),
        count=editors.waiting_for,
        order=30,
    ),
]


def register() -> None:
    for queue in QUEUES:
        moderation.register(queue)

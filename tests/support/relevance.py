"""The search-relevance set (../shared/search-relevance: 45 documents, 40 queries) loaded into
the site the way members would meet it, and scored by its rule. Used by the relevance test and
bench/search_relevance.py. The documents come from the demo's copy (knowledge/demo/docs, whose
groups carry the demo's slugs) or from a folder of the original set; either way each set group
becomes an open group, and a group-only topic goes to a closed group of that group's members
(a topic is for its group's readers), while a group-only page is restricted to the group."""

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from django.test import override_settings

from groups.models import Group, Membership
from knowledge import importing, markdown_files
from knowledge.demo import DEMO_GROUPS, DOCS, MEMBERS_ONLY_TOPICS
from knowledge.models import ImportedTopic, KnowledgePage
from search import outbox
from search.services import Filters, search

QUERIES = Path(__file__).resolve().parent.parent / "search" / "relevance" / "queries.jsonl"
SET_GROUP = {demo: name for name, demo in DEMO_GROUPS.items()}
CLOSED_SUFFIX = "-members"


def _set_group(slug: str, key: str) -> str:
    if key in MEMBERS_ONLY_TOPICS and slug == MEMBERS_ONLY_TOPICS[key]:
        slug = next(name for name, demo in DEMO_GROUPS.items()
                    if MEMBERS_ONLY_TOPICS[key].startswith(demo))  # fmt: skip
    return SET_GROUP.get(slug, slug)


@dataclass
class Loaded:
    docs: dict[str, dict] = field(default_factory=dict)  # key → {"group", "visibility"}
    by_hit: dict[str, str] = field(default_factory=dict)  # "article:12" → "pub-001"


def load(folder: Path = DOCS) -> Loaded:
    """Import every document; returns what the scoring needs to know about them."""
    importing.ensure_home()
    loaded = Loaded()
    owner = importing.system_member()
    for path in importing.files_in(folder):
        doc = markdown_files.read(path)
        group = _set_group(doc.group, doc.key)
        loaded.docs[doc.key] = {"group": group, "visibility": doc.visibility}
        slug = group + CLOSED_SUFFIX if doc.kind == "topic" and doc.visibility == "group" else group
        _group(slug, importing.GROUP_NAMES.get(group, group), owner,
               closed=slug.endswith(CLOSED_SUFFIX))  # fmt: skip
        with override_settings(RATE_LIMITS_ENABLED=False):
            notes: list[str] = []
            importing.store(replace(doc, group=slug), notes)
    outbox.drain()
    pages = KnowledgePage.objects.exclude(import_key="").values_list("kind", "pk", "import_key")
    loaded.by_hit = {f"{kind}:{pk}": key for kind, pk, key in pages}
    for key, topic in ImportedTopic.objects.values_list("key", "topic_id"):
        loaded.by_hit[f"topic:{topic}"] = key
    return loaded


def _group(slug: str, name: str, owner, *, closed: bool) -> Group:
    group = Group.objects.filter(slug=slug).first()
    if group is None:
        kind = Group.Kind.CLOSED if closed else Group.Kind.OPEN
        group = Group.objects.create(slug=slug, name=name, kind=kind, proposed_by=owner,
                                     status=Group.Status.ACTIVE)  # fmt: skip
        Membership.objects.create(group=group, member=owner, role=Membership.Role.OWNER)
    return group


def queries() -> list[dict]:
    with QUERIES.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def join(member, set_groups) -> None:
    """Make ``member`` a member of these set groups (and of their closed rooms)."""
    for name in set_groups:
        for group in Group.objects.filter(slug__in=[name, name + CLOSED_SUFFIX]):
            Membership.objects.get_or_create(group=group, member=member)


@dataclass
class Scored:
    id: str
    q: str
    kind: str  # "ordinary", "leak" or "member"
    score: float
    top: list[str]
    total: int
    why: str


def score(query: dict, member, loaded: Loaded) -> Scored:
    """One query as its member: recall@5, or for a leak probe whether no group-only document
    appears anywhere in what the member gets back."""
    results = search(member, Filters(q=query["q"], per_page=50))
    found = [key for key in (loaded.by_hit.get(r.hit.key) for r in results.results) if key]
    top = list(dict.fromkeys(found))[:5]
    if not query["relevant"] and not query["as_member_of"]:
        leaked = [k for k in found if loaded.docs.get(k, {}).get("visibility") == "group"]
        value, kind = (0.0 if leaked else 1.0), "leak"
    else:
        wanted = query["relevant"]
        value = sum(1 for key in wanted if key in top) / len(wanted)
        kind = "member" if query["as_member_of"] and query["id"] >= "q38" else "ordinary"
    return Scored(query["id"], query["q"], kind, value, top, results.total, query["why"])

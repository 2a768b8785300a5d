"""Posts as HTML. A post's markup depends only on the plain values post_values() gathers from
its inputs (post_inputs) and the page's; those inputs (with the language and time zone) are its
key in the per-process fragment cache.
So a fragment is never stale and nothing is invalidated when a post, its author or its
reactions change: changed values are simply a new key."""

from operator import attrgetter
from typing import NamedTuple

from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from cityhall import fragments
from cityhall.links import link_maker
from members.models import organization_label

from .models import Post, Reaction
from .post_markup import post_html

# The links of a post, by the name post_markup reads them under (groups:<name>, with the
# group's slug and the post's id).
POST_LINKS = ("post_history", "react", "bookmark", "accept", "quote", "post_edit",
              "post_delete", "flag")  # fmt: skip


def _link_makers(slug: str) -> dict:
    makers = {name: link_maker(f"groups:{name}", slug) for name in POST_LINKS}
    for name in ("detail", "card"):
        makers[f"member_{name}"] = link_maker(f"members:{name}")
    return makers


def posts_html(posts: list[Post], *, slug: str, accepted_post_id, can_accept: bool,
               viewer_id=None, can_quote: bool = False) -> str:  # fmt: skip
    """The posts' HTML, one fragment per post, each rendered only for inputs not seen before;
    joined here (the template looping over 50 fragments cost 0.15 ms of the topic page). A
    fragment's key is what its markup is made of, read off the post (post_inputs) and the page;
    the values the markup reads are gathered from those alone, and only for a post not kept
    (gathering them for every post, and keying on them, took a fifth of a warm topic page)."""
    on_page = (translation.get_language(), timezone.get_current_timezone_name(), slug,
               accepted_post_id, can_accept, viewer_id, can_quote)  # fmt: skip
    page = fragments.digest(repr(on_page))
    inputs = [post_inputs(post) for post in posts]
    keys = [cache_key(page, each) for each in inputs]
    cache = fragments.cache()
    found = cache.get_many(keys)
    missing = [(key, each) for key, each in zip(keys, inputs, strict=True) if key not in found]
    if missing:
        kinds = [(kind, str(label)) for kind, label in Reaction.Kind.choices]
        links = _link_makers(slug)
        shared = (slug, accepted_post_id, can_accept, viewer_id, can_quote, kinds, links)
        rendered = {key: post_html(post_values(each, *shared)) for key, each in missing}
        found.update(rendered)
        cache.set_many(rendered)
    return mark_safe("".join(found[key] for key in keys))  # noqa: S308 (written by post_markup)


class PostInputs(NamedTuple):
    """What a post's markup is made of, as selectors.posts_page reads a post (its author and
    replied-to post as values) and the policies mark it (can_edit)."""

    pk: int
    number: int
    author_id: int
    author_name: str
    avatar: bool
    organization: str
    organization_kind: str
    prefecture: str
    created_at: object
    edited: bool
    hidden: bool
    deleted: bool
    delete_reason: str
    reply_to_id: int | None
    reply_to_name: str | None
    reply_to_number: int | None
    body_html: str
    bookmarked: bool
    can_edit: bool
    attachments: tuple  # (pk, name, has a preview, size) each
    reaction_counts: tuple  # (kind, count) pairs, by kind
    my_reactions: tuple  # kinds, sorted


_read_post = attrgetter(
    "pk", "number", "author_id", "author_name", "author_avatar", "author_organization",
    "author_organization_kind", "author_prefecture", "created_at", "edited_at", "is_hidden",
    "deleted_at", "delete_reason", "reply_to_id", "reply_to_name", "reply_to_number",
    "body_html", "bookmarked", "can_edit",
)  # fmt: skip


def post_inputs(post: Post) -> PostInputs:
    (pk, number, author_id, name, avatar, organization, kind, prefecture, created_at, edited_at,
     hidden, deleted_at, reason, reply_to_id, reply_to_name, reply_to_number, body_html,
     bookmarked, can_edit) = _read_post(post)  # fmt: skip
    attachments = tuple(
        (item.pk, item.original_name, bool(item.preview), item.size)
        for item in post.attachment_list
    )
    return PostInputs(
        pk, number, author_id, name, bool(avatar), organization or "", kind, prefecture or "",
        created_at, edited_at is not None, hidden, deleted_at is not None, reason, reply_to_id,
        reply_to_name, reply_to_number, body_html, bookmarked, can_edit, attachments,
        tuple(sorted(post.reaction_counts.items())), tuple(sorted(post.my_reactions)),
    )  # fmt: skip


def post_values(
    post: PostInputs,
    slug: str,
    accepted_post_id,
    can_accept: bool,
    viewer_id,
    can_quote: bool,
    kinds,
    links: dict,
) -> dict:
    """The values post_markup writes a post from, made of ``post``'s inputs and the page's
    alone; ``links``: _link_makers(slug), made once for the page's posts."""
    pk = post.pk
    counts = dict(post.reaction_counts)
    return {
        "pk": pk,
        "number": post.number,
        "slug": slug,
        "links": {name: links[name](pk) for name in POST_LINKS},
        "author": {
            "pk": post.author_id,
            "display_name": post.author_name,
            "avatar": post.avatar,
            "organization": organization_label(
                post.organization, post.organization_kind, post.prefecture
            ),
            "url": links["member_detail"](post.author_id),
            "card": links["member_card"](post.author_id),
        },
        "created_at": post.created_at,
        "edited": post.edited,
        "hidden": post.hidden,
        "deleted": post.deleted,
        "delete_reason": post.delete_reason,
        "reply_to": post.reply_to_id
        and {"name": post.reply_to_name, "number": post.reply_to_number},
        "body_html": post.body_html,
        "attachments": [
            {"pk": item_pk, "name": name, "preview": preview, "size": size}
            for item_pk, name, preview, size in post.attachments
        ],
        "reactions": [
            {
                "kind": kind,
                "label": label,
                "count": counts.get(kind),
                "mine": kind in post.my_reactions,
            }
            for kind, label in kinds
        ],
        "bookmarked": post.bookmarked,
        "can_edit": post.can_edit,
        "can_accept": can_accept and post.number > 1,
        # A quote link: opens the reply box with this post quoted (filled in by script).
        "can_quote": can_quote and not post.deleted,
        "can_flag": post.author_id != viewer_id,  # nobody reports their own post
        "answer": accepted_post_id == pk,
    }


def author_organization(post) -> str:
    """The author's organization as members read it, from the values a page of posts or a
    topic list reads (author_organization, _kind, author_prefecture); "" for none."""
    name, prefecture = post.author_organization or "", post.author_prefecture or ""
    return organization_label(name, post.author_organization_kind, prefecture)


_BODY = PostInputs._fields.index("body_html")


def cache_key(page: str, post: PostInputs) -> str:
    """``page``: the digest of what the page's posts share (posts_html). The post's inputs are
    written out, but for the body, the longest by far: its length and its string hash, which
    Python seeds at random in each process, so that nobody can write a body to match another
    (a digest of them all was a tenth of a warm topic page: 10 µs a post, now 4)."""
    body = post.body_html
    others = tuple.__repr__(post[:_BODY] + post[_BODY + 1 :])
    return f"post:{page}:{len(body)}:{hash(body)}:{others}"

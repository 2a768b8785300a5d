"""Posts as HTML. A post's markup depends only on the plain values post_values() gathers; the
same values (with the language and time zone) are its key in the per-process fragment cache.
So a fragment is never stale and nothing is invalidated when a post, its author or its
reactions change: changed values are simply a new key."""

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
    """The posts' HTML, one fragment per post, each rendered only for values not seen before;
    joined here (the template looping over 50 fragments cost 0.15 ms of the topic page)."""
    kinds = [(kind, str(label)) for kind, label in Reaction.Kind.choices]
    links = _link_makers(slug)
    values = [
        post_values(post, slug, accepted_post_id, can_accept, kinds, can_quote, links)
        for post in posts
    ]
    for post, value in zip(posts, values, strict=True):
        value["can_flag"] = post.author_id != viewer_id  # nobody reports their own post
    where = (translation.get_language(), timezone.get_current_timezone_name())
    keys = [cache_key(where, value) for value in values]
    cache = fragments.cache()
    found = cache.get_many(keys)
    rendered = {}
    for key, value in zip(keys, values, strict=True):
        if key not in found:
            found[key] = rendered[key] = post_html(value)
    if rendered:
        cache.set_many(rendered)
    return mark_safe("".join(found[key] for key in keys))  # noqa: S308 (written by post_markup)


def post_values(
    post: Post,
    slug: str,
    accepted_post_id,
    can_accept: bool,
    kinds,
    can_quote: bool,
    links: dict,
) -> dict:
    """``post``: as selectors.posts_page reads it (its author and replied-to post as values);
    ``links``: _link_makers(slug), made once for the page's posts."""
    pk = post.pk
    return {
        "pk": pk,
        "number": post.number,
        "slug": slug,
        "links": {name: links[name](pk) for name in POST_LINKS},
        "author": {
            "pk": post.author_id,
            "display_name": post.author_name,
            "avatar": bool(post.author_avatar),
            "organization": author_organization(post),
            "url": links["member_detail"](post.author_id),
            "card": links["member_card"](post.author_id),
        },
        "created_at": post.created_at,
        "edited": post.edited_at is not None,
        "hidden": post.is_hidden,
        "deleted": post.is_deleted,
        "delete_reason": post.delete_reason,
        "reply_to": post.reply_to_id and _replied_to(post),
        "body_html": post.body_html,
        "attachments": [
            {
                "pk": item.pk,
                "name": item.original_name,
                "preview": bool(item.preview),
                "size": item.size,
            }
            for item in post.attachment_list
        ],
        "reactions": [
            {
                "kind": kind,
                "label": label,
                "count": post.reaction_counts.get(kind),
                "mine": kind in post.my_reactions,
            }
            for kind, label in kinds
        ],
        "bookmarked": post.bookmarked,
        "can_edit": post.can_edit,
        "can_accept": can_accept and post.number > 1,
        # A quote link: opens the reply box with this post quoted (filled in by script).
        "can_quote": can_quote and not post.is_deleted,
        "answer": accepted_post_id == pk,
    }


def author_organization(post) -> str:
    """The author's organization as members read it, from the values a page of posts or a
    topic list reads (author_organization, _kind, author_prefecture); "" for none."""
    name, prefecture = post.author_organization or "", post.author_prefecture or ""
    return organization_label(name, post.author_organization_kind, prefecture)


def _replied_to(post: Post) -> dict:
    return {"name": post.reply_to_name, "number": post.reply_to_number}


def cache_key(where: tuple, values: dict) -> str:
    return f"post:{fragments.digest(repr((where, values)))}"

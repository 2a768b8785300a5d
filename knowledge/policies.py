"""Who may see and edit knowledge pages and the files they use. Everything is for verified
members; a page with group restrictions (on itself or any ancestor) is for the members of one of
each restriction's groups. Wagtail's own view restrictions know Django auth groups, not topic
groups, so every serve path (pages, listings, documents, images, renditions, recordings, feeds)
asks these functions. A page under Wagtail's own privacy setting of the "groups" or "password"
kind is opened by whoever passes Wagtail's check (its files too), but listed, found and edited
(listings, counts, feeds, search, the editor) by site moderators alone; its "login" kind is
passed by every member.
Pure: the viewer carries what was loaded (knowledge.selectors.viewer)."""

from dataclasses import dataclass, field
from functools import cached_property

from cityhall.policies import is_site_moderator, is_verified_member


@dataclass(frozen=True)
class Viewer:
    """A member as the knowledge base sees them: their topic groups (active ones) and every
    restriction on the site as {page path: group ids}."""

    member: object
    group_ids: frozenset = frozenset()
    moderated_group_ids: frozenset = frozenset()
    restrictions: dict = field(default_factory=dict)
    # Paths of pages with one of Wagtail's own view restrictions (its privacy setting), which
    # Wagtail checks as well when a page under them is served.
    wagtail_restricted: frozenset = frozenset()
    # Those of them whose restriction hides them from lists (hidden_by_wagtail).
    wagtail_private: frozenset = frozenset()
    # The content version (knowledge.tallies) read with all this.
    version: str = ""

    @cached_property
    def is_member(self) -> bool:
        return is_verified_member(self.member)

    @cached_property
    def sees_everything(self) -> bool:
        return is_site_moderator(self.member)

    @cached_property
    def denied_paths(self) -> tuple[str, ...]:
        """Tree paths of restricted pages this viewer may not see; everything under them is
        hidden too. The shortest paths only (a denied page's descendants need no entry)."""
        return _shortest(path for path, groups in self.restrictions.items()
                         if not passes(self, groups))  # fmt: skip

    @cached_property
    def unlisted_paths(self) -> tuple[str, ...]:
        """The denied paths and, but for site moderators, the pages under Wagtail's privacy
        setting: what lists, counts and search leave out (shortest paths only, as above)."""
        if self.sees_everything or not self.wagtail_private:
            return self.denied_paths
        return _shortest([*self.denied_paths, *self.wagtail_private])


def _shortest(paths) -> tuple[str, ...]:
    kept: list[str] = []
    for path in sorted(paths):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return tuple(kept)


def hidden_by_wagtail(restriction_type: str) -> bool:
    """Whether a page under this kind of Wagtail view restriction is left out of lists: a
    password or a Django group ("login" every member passes, "none" everyone)."""
    return restriction_type in ("password", "groups")


def passes(viewer: Viewer, groups) -> bool:
    return viewer.sees_everything or not viewer.group_ids.isdisjoint(groups)


def _under_any(path: str, tops) -> bool:
    """Whether the page at ``path`` is at or under one of the pages at ``tops``."""
    return any(path.startswith(top) for top in tops)


def can_view_path(viewer: Viewer, path: str) -> bool:
    """Whether the viewer may open the page at this tree path (Page.path): its topic groups'
    restrictions; Wagtail checks its own privacy setting when the page is served (lists and
    the editor ask can_list_path, files can_open_path)."""
    return viewer.is_member and not _under_any(path, viewer.denied_paths)


def can_list_path(viewer: Viewer, path: str) -> bool:
    """Whether the page at this tree path is shown to the viewer in lists and search results."""
    return viewer.is_member and not _under_any(path, viewer.unlisted_paths)


def lists_all_under(viewer: Viewer, path: str = "") -> bool:
    """Whether every page at or under this path (every page of the site, for "") is listed for
    the viewer: none of them is hidden, nor any page above."""
    return viewer.is_member and not any(
        hidden.startswith(path) or path.startswith(hidden) for hidden in viewer.unlisted_paths
    )


def visible_rows(viewer: Viewer, rows):
    """Of (id, path) rows, those of the pages listed for the viewer, in order: can_list_path
    for many pages at once, one set lookup for each length of the hidden paths."""
    if not viewer.is_member:
        return
    denied = frozenset(viewer.unlisted_paths)
    lengths = {len(path) for path in denied}
    for row in rows:
        path = row[1]
        if not any(path[:length] in denied for length in lengths):
            yield row


def visible_children(viewer: Viewer, parent_path: str, rows) -> list:
    """Of (id, path) rows of the children of the page at ``parent_path``, those listed for the
    viewer: none when the parent is hidden; else those that are not hidden pages themselves (a
    hidden path under the parent that a child's path starts with can only be the child's)."""
    if not can_list_path(viewer, parent_path):
        return []
    denied = frozenset(viewer.unlisted_paths)
    return [row for row in rows if row[1] not in denied]


def can_view_page(viewer: Viewer, page) -> bool:
    return can_view_path(viewer, page.path)


def can_open_path(viewer: Viewer, path: str, passed=frozenset()) -> bool:
    """Whether the viewer may see the page at this path once Wagtail has checked it: they may
    open it, and ``passed`` (the paths of Wagtail's privacy settings the request has passed)
    holds every one above it that is not listed for them."""
    if not can_view_path(viewer, path):
        return False
    if viewer.sees_everything:
        return True
    return all(private in passed for private in viewer.wagtail_private
               if path.startswith(private))  # fmt: skip


def restricted_to(viewer: Viewer, path: str) -> set[int]:
    """The groups a page's visibility hangs on (its own and its ancestors' restrictions)."""
    return {group for restricted, groups in viewer.restrictions.items()
            if path.startswith(restricted) for group in groups}  # fmt: skip


def can_write_in_section(viewer: Viewer, section) -> bool:
    """全員が運営者: any member of the section's group drafts in it; in a section of a field
    (no group), any member."""
    if not can_view_page(viewer, section):
        return False
    if section.group_id is None or viewer.sees_everything:
        return True
    return section.group_id in viewer.group_ids


def can_review_in_section(viewer: Viewer, section) -> bool:
    """The section group's moderators (site moderators for sections without a group) review
    and publish."""
    if not can_view_page(viewer, section):
        return False
    if viewer.sees_everything:
        return True
    return section.group_id is not None and section.group_id in viewer.moderated_group_ids


def can_view_file(viewer: Viewer, used_on_paths, uploaded_by_id=None, passed=frozenset()):
    """A document, image or recording: for whoever may see a page that uses it (can_open_path,
    with ``passed``), and for its uploader (before any page uses it). ``used_on_paths`` are the
    paths of the pages that use it, live or not."""
    if not viewer.is_member:
        return False
    if uploaded_by_id is not None and uploaded_by_id == viewer.member.pk:
        return True
    if viewer.sees_everything:
        return True  # without reading the paths
    return any(can_open_path(viewer, path, passed) for path in used_on_paths)

"""The site's one Markdown renderer (markdown-it-py) and one sanitiser (nh3), used by posts, chat,
events and profiles. Store the source, keep the rendered HTML beside it."""

import html
import re
from dataclasses import dataclass, field

import nh3
from django.utils.html import strip_tags
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

# Handles are stored in lower case; @Yamada-Hanako mentions yamada-hanako.
HANDLE = re.compile(r"[a-z0-9][a-z0-9_.-]{1,39}", re.IGNORECASE)
_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title", "class"},
    "img": {"src", "alt", "title"},
    "th": {"style"},
    "td": {"style"},
    "ol": {"start"},
}


@dataclass
class Rendered:
    html: str
    mentions: list[str] = field(default_factory=list)


def mention_at(text: str, pos: int) -> str | None:
    """The handle, as typed, that the "@" at ``pos`` mentions; None inside a word or an email
    address ("sato@city…") and when no handle follows. A trailing "." or "-" is not part of it."""
    if text[pos] != "@" or (pos > 0 and text[pos - 1].isalnum()):
        return None
    match = HANDLE.match(text, pos + 1)
    return match.group(0).rstrip(".-") if match else None


def rename_mentions(text: str, renames: dict[str, str]) -> str:
    """``text`` (Markdown, or the HTML rendered from it) with @old written @new for each
    ``old: new`` in ``renames`` — the mention and its link ``/members/@old`` alike."""
    pieces, done = [], 0
    pos = text.find("@")
    while pos != -1:
        handle = mention_at(text, pos)
        new = renames.get(handle.lower()) if handle else None
        if new:
            pieces += [text[done : pos + 1], new]
            done = pos + 1 + len(handle)
        pos = text.find("@", pos + 1)
    return "".join([*pieces, text[done:]])


def _mention_rule(state: StateInline, silent: bool) -> bool:
    handle = mention_at(state.src, state.pos)
    if not handle:
        return False
    if not silent:
        token = state.push("mention", "", 0)
        token.content = handle
    state.pos += 1 + len(handle)
    return True


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"breaks": True, "html": False})
    md.enable(["table", "strikethrough"])
    md.inline.ruler.before("emphasis", "mention", _mention_rule)
    md.add_render_rule(
        "mention", lambda self, tokens, idx, options, env: _mention_html(tokens[idx], env)
    )
    return md


def _mention_html(token, env) -> str:
    handle = token.content.lower()
    env.setdefault("mentions", []).append(handle)
    return f'<a class="mention" href="/members/@{handle}">@{token.content}</a>'


_MD = _parser()


def render(source: str) -> Rendered:
    """Markdown → safe HTML, plus the @handles it mentions (in order, without repeats)."""
    env: dict = {}
    html = _MD.render(source or "", env)
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        filter_style_properties={"text-align"},
    )
    return Rendered(clean, list(dict.fromkeys(env.get("mentions", []))))


_BLOCK_END = re.compile(r"<(?:br|hr|/p|/li|/h[1-6]|/pre|/blockquote|/tr|/td|/th)\b[^>]*>")
_BLANK_LINES = re.compile(r"\s*\n\s*")


def plain_text(rendered_html: str) -> str:
    """The words of rendered HTML as plain text, a line per block (search documents)."""
    text = html.unescape(strip_tags(_BLOCK_END.sub("\n", rendered_html or "")))
    return _BLANK_LINES.sub("\n", text).strip()

"""The site's one Markdown renderer (markdown-it-py) and one sanitiser (nh3), used by posts, chat,
events and profiles. Store the source, keep the rendered HTML beside it."""

import re
from dataclasses import dataclass, field

import nh3
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


def _mention_rule(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "@" or (state.pos > 0 and state.src[state.pos - 1].isalnum()):
        return False
    match = HANDLE.match(state.src, state.pos + 1)
    if not match:
        return False
    if not silent:
        token = state.push("mention", "", 0)
        token.content = match.group(0).rstrip(".-")
    state.pos += 1 + len(match.group(0).rstrip(".-"))
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

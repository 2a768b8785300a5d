"""The knowledge base's file format: Markdown with YAML front matter (title, kind, group, tags,
date, visibility), one file per page or topic. Reading checks every field and says in Japanese
what is wrong; writing gives back what reading takes, so an export imports to the same pages."""

import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import yaml
from django.utils.translation import gettext as _

KINDS = ("article", "notes", "broadcast", "topic")
VISIBILITIES = ("members", "group")
MAX_BODY_BYTES = 1_000_000
MAX_PAGE_TITLE, MAX_TOPIC_TITLE = 255, 120
MAX_TAGS, MAX_TAG_LENGTH = 5, 30
MAX_HEADING = 120  # HeadingBlock's max_length: a longer "## " line stays Markdown text
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)(.*)\Z", re.DOTALL)
_HEADING = re.compile(r"^(#{2,3}) +(\S.*?)\s*$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class _Loader(yaml.SafeLoader):
    """yaml.SafeLoader leaving dates as text, so that 2024-13-45 is our error, not PyYAML's."""


_Loader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class FileProblem(ValueError):
    """A file that cannot be imported; the message says why, for the person who wrote it."""


@dataclass(frozen=True)
class Doc:
    key: str
    title: str
    kind: str
    group: str
    tags: tuple[str, ...]
    date: date
    visibility: str
    body: str

    def comparable(self) -> "Doc":
        """Tag order carries no meaning (topics keep theirs sorted)."""
        return replace(self, tags=tuple(sorted(self.tags)))


def read(path: Path) -> Doc:
    """The file at ``path`` as a Doc keyed by its name without ``.md``; FileProblem if not."""
    size = path.stat().st_size
    if size > MAX_BODY_BYTES:
        raise FileProblem(
            _("ファイルが大きすぎます(%(size)s)。本文は %(limit)s までにしてください。")
            % {"size": _megabytes(size), "limit": _megabytes(MAX_BODY_BYTES)}
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileProblem(_("文字コードが UTF-8 ではありません。")) from error
    return parse(text, key=path.stem)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def parse(text: str, *, key: str) -> Doc:
    if "\x00" in text:
        raise FileProblem(_("保存できない文字(NUL)が含まれています。"))
    match = _FRONT_MATTER.match(text.replace("\r\n", "\n"))
    if match is None:
        raise FileProblem(_("先頭に「---」の行で囲んだ項目(YAML)がありません。"))
    fields = _yaml(match.group(1))
    body = match.group(2).strip("\n")
    kind = _kind(fields.get("kind"))
    return Doc(
        key=key, title=_title(fields.get("title"), kind), kind=kind,
        group=_group(fields.get("group")), tags=_tags(fields.get("tags")),
        date=_date(fields.get("date")), visibility=_visibility(fields.get("visibility")),
        body=body,
    )  # fmt: skip


def _yaml(text: str) -> dict:
    try:
        fields = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = _("(%(line)d行目)") % {"line": mark.line + 2} if mark else ""
        raise FileProblem(
            _("先頭の項目(YAML)が読めません%(where)s。") % {"where": where}
        ) from error
    if not isinstance(fields, dict):
        raise FileProblem(_("先頭の項目が「名前: 値」の形になっていません。"))
    return fields


def _kind(value) -> str:
    if value in (None, ""):
        raise FileProblem(_("kind がありません(article / notes / broadcast / topic)。"))
    if value not in KINDS:
        raise FileProblem(
            _("kind「%(kind)s」は使えません。%(kinds)s のどれかにしてください。")
            % {"kind": value, "kinds": " / ".join(KINDS)}
        )
    return value


def _title(value, kind: str) -> str:
    title = str(value or "").strip()
    if not title:
        raise FileProblem(_("title がありません。"))
    limit = MAX_TOPIC_TITLE if kind == "topic" else MAX_PAGE_TITLE
    if len(title) > limit:
        raise FileProblem(
            _("title が長すぎます(%(length)d文字)。%(limit)d文字までにしてください。")
            % {"length": len(title), "limit": limit}
        )
    return title


def _group(value) -> str:
    slug = str(value or "").strip()
    if not slug:
        raise FileProblem(_("group がありません(グループのURL名、例: finance)。"))
    if not _SLUG.match(slug) or len(slug) > 60:
        raise FileProblem(
            _("group「%(group)s」はURL名として使えません(半角英小文字・数字・ハイフン)。")
            % {"group": slug}
        )
    return slug


def _tags(value) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise FileProblem(_("tags は [財政, 予算] のように一覧で書いてください。"))
    tags = tuple(dict.fromkeys(str(tag).strip() for tag in value if str(tag).strip()))
    if len(tags) > MAX_TAGS:
        raise FileProblem(_("タグは%(limit)d個までにしてください。") % {"limit": MAX_TAGS})
    for tag in tags:
        if len(tag) > MAX_TAG_LENGTH:
            raise FileProblem(
                _("タグ「%(tag)s」が長すぎます。%(limit)d文字までにしてください。")
                % {"tag": tag, "limit": MAX_TAG_LENGTH}
            )
    return tags


def _date(value) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        if value in (None, ""):
            raise FileProblem(_("date がありません(例: 2024-04-01)。")) from None
        raise FileProblem(
            _("date「%(date)s」が日付として読めません(例: 2024-04-01)。") % {"date": value}
        ) from None


def _visibility(value) -> str:
    visibility = value or "members"
    if visibility not in VISIBILITIES:
        raise FileProblem(
            _("visibility「%(value)s」は使えません。members か group にしてください。")
            % {"value": value}
        )
    return visibility


def dump(doc: Doc) -> str:
    """The file for ``doc``: what ``parse`` reads back as the same Doc."""
    fields = {"title": doc.title, "kind": doc.kind, "group": doc.group, "tags": list(doc.tags),
              "date": doc.date, "visibility": doc.visibility}  # fmt: skip
    front = yaml.safe_dump(
        fields, allow_unicode=True, sort_keys=False, default_flow_style=None, width=10_000
    )
    return f"---\n{front}---\n\n{doc.body}\n"


# --- body <-> StreamField blocks ------------------------------------------------------------


def body_to_blocks(body: str) -> list[tuple]:
    """``## `` and ``### `` lines become heading blocks, the Markdown between them text blocks
    (a ``# `` line stays in its text: the heading block has no first level)."""
    blocks, lines, fenced = [], [], False
    for line in body.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        match = None if fenced else _HEADING.match(line)
        if match and len(match.group(2)) <= MAX_HEADING:
            _flush(blocks, lines)
            level = f"h{len(match.group(1))}"
            blocks.append(("heading", {"text": match.group(2), "level": level}))
        else:
            lines.append(line)
    _flush(blocks, lines)
    return blocks


def _flush(blocks: list, lines: list) -> None:
    text = "\n".join(lines).strip("\n")
    if text.strip():
        blocks.append(("text", text))
    lines.clear()


def blocks_to_body(stream) -> str:
    """A page's body as Markdown: the inverse of body_to_blocks for text and headings; callouts
    and questions (made in /cms/) as their text; files, images and tables are left out."""
    parts = [_block_text(block.block_type, block.value) for block in stream]
    return "\n\n".join(part for part in parts if part)


def _block_text(kind: str, value) -> str:
    if kind == "heading":
        return "#" * int(value["level"][1]) + " " + value["text"]
    if kind == "text":
        return value
    if kind == "callout":
        return value["text"]
    if kind == "qa":
        return f"**Q**: {value['question']}\n\n**A**: {value['answer']}"
    return ""

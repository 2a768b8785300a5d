"""The blocks a knowledge page's body is made of (one place, as in Wagtail's bakerydemo).
Text is Markdown, rendered by the site's one renderer and sanitiser (cityhall.markdown), so an
imported Markdown file and its export stay the same text."""

from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.contrib.typed_table_block.blocks import TypedTableBlock
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

from cityhall import fragments
from cityhall.markdown import render


def markdown_html(source: str) -> str:
    """The HTML depends on the text alone: kept per process under the text's digest."""
    return fragments.kept("kb-md:" + fragments.digest(source or ""), lambda: render(source).html)


class MarkdownBlock(blocks.TextBlock):
    def render_basic(self, value, context=None):
        return mark_safe(markdown_html(value))  # noqa: S308 - sanitised by cityhall.markdown

    class Meta:
        icon = "pilcrow"
        label = _("文章")


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("見出し"), max_length=120)
    level = blocks.ChoiceBlock(
        label=_("レベル"), choices=[("h2", _("大見出し")), ("h3", _("小見出し"))], default="h2"
    )

    class Meta:
        icon = "title"
        label = _("見出し")
        template = "knowledge/blocks/heading.html"


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        label=_("種類"), choices=[("point", _("ポイント")), ("caution", _("注意"))], default="point"
    )
    text = MarkdownBlock(label=_("本文"))

    class Meta:
        icon = "warning"
        label = _("囲み(ポイント・注意)")
        template = "knowledge/blocks/callout.html"


class TableBlock(TypedTableBlock):
    def __init__(self, **kwargs):
        super().__init__(
            [("text", blocks.CharBlock(label=_("文字"))),
             ("number", blocks.DecimalBlock(label=_("数値")))],
            **kwargs,
        )  # fmt: skip

    class Meta:
        icon = "table"
        label = _("表")
        template = "knowledge/blocks/table.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("画像"))
    caption = blocks.CharBlock(label=_("説明"), required=False, max_length=200)

    class Meta:
        icon = "image"
        label = _("画像")
        template = "knowledge/blocks/image.html"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("資料"))
    title = blocks.CharBlock(label=_("表示名"), required=False, max_length=200)

    class Meta:
        icon = "doc-full"
        label = _("資料")
        template = "knowledge/blocks/document.html"


class VideoBlock(blocks.StructBlock):
    recording = SnippetChooserBlock("knowledge.Recording", label=_("録画・録音"))
    caption = blocks.CharBlock(label=_("説明"), required=False, max_length=200)

    class Meta:
        icon = "media"
        label = _("動画・音声")
        template = "knowledge/blocks/video.html"


class QuestionAnswerBlock(blocks.StructBlock):
    question = blocks.TextBlock(label=_("質問"))
    asked_by = blocks.CharBlock(label=_("質問した人・団体"), required=False, max_length=100)
    # a question asked in a session's chat that nobody answered is kept, marked as such
    answer = MarkdownBlock(label=_("回答"), required=False)

    class Meta:
        icon = "help"
        label = _("質問と回答")
        template = "knowledge/blocks/qa.html"


class BodyBlock(blocks.StreamBlock):
    text = MarkdownBlock()
    heading = HeadingBlock()
    callout = CalloutBlock()
    table = TableBlock()
    image = ImageBlock()
    document = DocumentBlock()
    video = VideoBlock()
    qa = QuestionAnswerBlock()


class QuestionsBlock(blocks.StreamBlock):
    qa = QuestionAnswerBlock()


class MaterialsBlock(blocks.StreamBlock):
    document = DocumentBlock()

"""Django's cached template loader, with each template's fixed translations written in.

A page renders 25 to 45 ``{% translate "…" %}`` of fixed text (the layout's alone are a dozen),
each a lookup in the catalogues and an escape on every request: about 0.4 ms of a page that
must stay within three times a bare view (bench/pages.py). Their text can only change with the
language, so this loader keeps one parsed copy of a template per language and replaces, once,
every such tag by the text it renders. A tag whose output depends on anything else is left as
it is: one with a variable, a filter, ``as``, ``noop`` or ``context``, and any inside
``{% language %}`` (another language) or ``{% autoescape %}`` (other escaping). The output is
the same, character for character (tests/cityhall/test_template_loaders.py)."""

from django.template import Context
from django.template.base import TextNode
from django.template.defaulttags import AutoEscapeControlNode, IfNode
from django.template.loaders import cached
from django.templatetags.i18n import LanguageNode, TranslateNode
from django.utils.translation import get_language

_LEFT_ALONE = (AutoEscapeControlNode, LanguageNode)


class Loader(cached.Loader):
    def cache_key(self, template_name, skip=None):
        return f"{get_language()}:{super().cache_key(template_name, skip)}"

    def get_template(self, template_name, skip=None):
        parsed = self.cache_key(template_name, skip) not in self.get_template_cache
        template = super().get_template(template_name, skip)
        if parsed:
            _write_in(template.nodelist)
        return template


def _write_in(nodelist) -> None:
    for index, node in enumerate(nodelist):
        if isinstance(node, _LEFT_ALONE):
            continue
        if _fixed(node):
            nodelist[index] = TextNode(node.render(Context(autoescape=True)))
            continue
        for children in _children(node):
            _write_in(children)


def _fixed(node) -> bool:
    if type(node) is not TranslateNode or node.noop or node.asvar or node.message_context:
        return False
    expression = node.filter_expression
    return not expression.filters and getattr(expression.var, "literal", None) is not None


def _children(node) -> list:
    if isinstance(node, IfNode):
        return [nodelist for _condition, nodelist in node.conditions_nodelists]
    found = (getattr(node, name, None) for name in node.child_nodelists)
    return [nodelist for nodelist in found if nodelist is not None]

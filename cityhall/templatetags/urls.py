"""Django's ``{% url %}``, remembered per process for a link named with plain text and number
arguments (``{% url 'knowledge:tag' tag.slug %}``): the same thirty tags and twelve months
stand on the knowledge home, each ``reverse()`` some 20 microseconds (53 links: 1 ms of the
page rendered cold). The link is kept for each script prefix, URLconf and current app, so it
is what ``reverse()`` gives there; anything else (keyword arguments, an object as argument,
whose text may change) goes to Django's own tag. A builtin of the site's templates
(settings.TEMPLATES), so it takes the place of Django's under the same name."""

from django import template
from django.template import defaulttags
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

from cityhall.links import reversed_once

register = template.Library()

# Text (a literal in a template is SafeString) and numbers; not bool: True would be taken for 1.
_TEXT = (str, SafeString)
_PLAIN = (*_TEXT, int)


class RememberedURLNode(defaulttags.URLNode):
    def render(self, context):
        args = tuple(arg.resolve(context) for arg in self.args)
        view_name = self.view_name.resolve(context)
        plain = type(view_name) in _TEXT and all(type(arg) in _PLAIN for arg in args)
        if self.kwargs or not plain:
            return super().render(context)
        url = ""
        try:
            url = reversed_once(view_name, *args, current_app=_current_app(context))
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


def _current_app(context) -> str | None:
    """As Django's tag finds it: the request's current app, else its URL's namespace."""
    request = getattr(context, "request", None)
    if hasattr(request, "current_app"):
        return request.current_app
    return getattr(getattr(request, "resolver_match", None), "namespace", None)


@register.tag
def url(parser, token):
    node = defaulttags.url(parser, token)
    return RememberedURLNode(node.view_name, node.args, node.kwargs, node.asvar)

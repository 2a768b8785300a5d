"""``{% site_header %}``: the header every page opens with (the site's title, the main
navigation with its badges, the search box and the language switch). As template markup it
cost about 0.6 ms a page, a third of the frame every page pays; written here, 0.16 ms
(in-process). It reads what the context processors put in the context (nav_links,
unread_count, moderation_total, LANGUAGE_CODE, csrf_token, request). Every value a request
or a member brought goes through ``_e``."""

from html import escape as _e

from django import template
from django.conf import settings
from django.utils.safestring import mark_safe
from django.utils.translation import get_language_info

from cityhall.links import reversed_once
from cityhall.translating import gettext

register = template.Library()

NEXT_MAX = 2000
SEARCH_MAX = 200


@register.simple_tag(takes_context=True)
def site_header(context):
    links = context.get("nav_links") or []
    token = _csrf_input(context.get("csrf_token"))
    home, title = reversed_once("home"), gettext("オンライン市役所")
    parts = [
        '<header class="site-header">\n    <div class="site-header__bar">\n'
        f'      <a class="site-title" href="{_e(home)}">{_e(title)}</a>\n'
    ]
    if links:
        parts.append(_menu_button(context.get("unread_count")))
    parts.append("    </div>\n")
    if links:
        parts += [_navigation(context, links, token), _search(context.get("request"))]
    parts += [_language_switch(context, token), "  </header>"]
    return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped or made here)


def _csrf_input(token) -> str:
    """As ``{% csrf_token %}`` writes it (the same token twice: it is read once a page)."""
    if not token or token == "NOTPROVIDED":
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{_e(str(token))}">'


def _unread_badge(count, extra: str = "") -> str:
    """The bell's number, which site.js keeps up to date (data-unread-count)."""
    label = gettext("未読")
    return (
        f'<span class="badge" data-unread-count data-count="{_e(_text(count))}"{extra}>'
        f'<span class="visually-hidden">{_e(label)}</span>'
        f"<span data-unread-number>{_e(_text(count)) if count else ''}</span></span>"
    )


def _text(value) -> str:
    return "" if value is None else str(value)


def _menu_button(unread_count) -> str:
    label = gettext("メニュー")
    return (
        '      <button class="nav-toggle" type="button" aria-expanded="false" '
        'aria-controls="site-nav" data-nav-toggle hidden>\n'
        f"        {_e(label)} {_unread_badge(unread_count)}\n      </button>\n"
    )


def _navigation(context, links, token) -> str:
    items = "".join(_nav_item(context, link) for link in links)
    label, log_out = gettext("メインメニュー"), gettext("ログアウト")
    return (
        f'    <nav id="site-nav" class="site-nav" aria-label="{_e(label)}">\n      <ul>\n'
        f"{items}        <li>\n"
        f'          <form method="post" action="{_e(reversed_once("account_logout"))}">{token}\n'
        f'            <button type="submit" class="link-button">{_e(log_out)}</button>\n'
        "          </form>\n        </li>\n      </ul>\n    </nav>\n"
    )


def _nav_item(context, link) -> str:
    current = ' aria-current="page"' if link.get("current") else ""
    badges = ""
    if link["key"] == "notifications":
        badges = " " + _unread_badge(context.get("unread_count"), ' aria-live="polite"')
    elif link["key"] == "moderation":
        badges = " " + _moderation_badge(context.get("moderation_total"))
    for count, number in link.get("counts", ()):
        badges += (
            f' <span class="badge-unread" data-nav-count="{_e(count.key)}">'
            f'<span class="visually-hidden">{_e(str(count.label))}</span>{_e(str(number))}</span>'
        )
    return (
        f'        <li><a href="{_e(link["url"])}"{current}>{_e(str(link["label"]))}{badges}'
        "</a></li>\n"
    )


def _moderation_badge(total) -> str:
    label = gettext("対応待ち")
    return (
        f'<span class="badge" data-moderation-count data-count="{_e(_text(total))}">'
        f'<span class="visually-hidden">{_e(label)}</span>{_e(_text(total))}</span>'
    )


def _search(request) -> str:
    """The search box, holding the query on the search page itself; site.js makes it an
    instant search (the data- attributes are its words)."""
    match = getattr(request, "resolver_match", None)
    query = request.GET.get("q", "") if match and match.view_name == "search:index" else ""
    query = query[:SEARCH_MAX]  # the box's maxlength; the page's own form keeps the rest
    search, field = _e(gettext("サイト内検索")), _e(gettext("サイト内を検索"))
    label, every = _e(gettext("検索の候補")), _e(gettext("すべての結果を見る"))
    count = _e(gettext("候補 %s件。上下の矢印で選び、Enterで開きます。"))
    none = _e(gettext("候補はありません。Enterですべての結果を探します。"))
    solved, button = _e(gettext("解決済み")), _e(gettext("検索"))
    return (
        f'    <form class="site-search" role="search" aria-label="{search}" '
        f'action="{_e(reversed_once("search:index"))}" method="get"\n'
        f'          data-instant-search="{_e(reversed_once("search:suggest"))}" '
        f'data-instant-label="{label}"\n'
        f'          data-instant-all="{every}" data-instant-count="{count}"\n'
        f'          data-instant-none="{none}" data-instant-solved="{solved}">\n'
        f'      <label for="site-search-q" class="visually-hidden">{field}</label>\n'
        f'      <input id="site-search-q" name="q" type="search" maxlength="{SEARCH_MAX}" '
        f'autocomplete="off" placeholder="{button}" value="{_e(query)}">\n'
        f'      <button type="submit">{button}</button>\n    </form>\n'
    )


def _here(request) -> str:
    """Where the language switch brings the member back: this page with its query, or the
    page alone when the query is longer than NEXT_MAX (a search of 5,000 characters made
    every header carry it again, encoded: 90 KB)."""
    if request is None:
        return ""
    here = request.get_full_path()
    return here if len(here) <= NEXT_MAX else request.path


def _language_switch(context, token) -> str:
    current, request = context.get("LANGUAGE_CODE"), context.get("request")
    here = _here(request)
    options = "".join(
        f'        <option value="{_e(code)}" lang="{_e(code)}"'
        f"{' selected' if code == current else ''}>"
        f"{_e(get_language_info(code)['name_local'])}</option>\n"
        for code, _name in settings.LANGUAGES
    )
    label, button = gettext("表示言語"), gettext("切り替え")
    return (
        '    <form class="language-switch" '
        f'action="{_e(reversed_once("set_language"))}" method="post">{token}\n'
        '      <input name="next" type="hidden" '
        f'value="{_e(here)}">\n'
        f'      <label for="language-select">{_e(label)}</label>\n'
        f'      <select id="language-select" name="language">\n{options}      </select>\n'
        f'      <button type="submit">{_e(button)}</button>\n    </form>\n'
    )

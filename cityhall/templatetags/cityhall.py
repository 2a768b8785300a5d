from django import template

register = template.Library()


@register.filter
def dict_get(mapping, key):
    return (mapping or {}).get(key)


# (first day, era name) newest first; 令和 from 2019-05-01.
_ERAS = [((2019, 5, 1), "令和"), ((1989, 1, 8), "平成"), ((1926, 12, 25), "昭和")]


@register.filter(expects_localtime=True)
def wareki(value) -> str:
    """「令和8年12月5日」 for a date (元年 for the first year), as officials write it; the empty
    string before 昭和 or for no date. Japanese only: English pages do not call it. In a
    template an aware datetime is taken in Japan time first, as the date filter does."""
    if not value:
        return ""
    day = (value.year, value.month, value.day)
    for start, era in _ERAS:
        if day >= start:
            year = value.year - start[0] + 1
            year_text = "元" if year == 1 else str(year)
            return f"{era}{year_text}年{value.month}月{value.day}日"
    return ""

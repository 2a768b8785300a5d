"""How dates and times read on the English site: Wed, Dec 2, 2026, 10:00 (with the weekday and
a 24-hour clock, as on the Japanese site). Names not set here fall back to Django's en
formats."""

DATE_FORMAT = "M j, Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "D, M j, Y, H:i"
MONTH_DAY_FORMAT = "M j"
SHORT_DATETIME_FORMAT = "D, M j, H:i"

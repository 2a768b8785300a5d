"""How dates and times read on the English site: Dec 2, 2026, 10:00 (24-hour clock, as on the
Japanese site). Names not set here fall back to Django's en formats."""

DATE_FORMAT = "M j, Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "M j, Y, H:i"
MONTH_DAY_FORMAT = "M j"
SHORT_DATETIME_FORMAT = "M j, H:i"

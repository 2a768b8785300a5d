"""How dates and times read on the Japanese site: 2026年12月2日(水) 10:00.

Templates use these by name ({{ value|date:"DATETIME_FORMAT" }}), never a literal format; names
not set here fall back to Django's ja formats."""

DATE_FORMAT = "Y年n月j日"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y年n月j日(D) H:i"
MONTH_DAY_FORMAT = "n月j日"
SHORT_DATETIME_FORMAT = "n月j日(D) H:i"

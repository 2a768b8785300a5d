"""Demo knowledge for seed_demo: the 45 documents of the search-relevance set (a copy in
docs/, so the site needs nothing outside itself), imported like any folder. Safe to run twice:
files keep their keys, so a second run finds them unchanged."""

from pathlib import Path

from knowledge import importing

DOCS = Path(__file__).resolve().parent / "docs"


def seed() -> importing.Report:
    return importing.import_folder(DOCS)

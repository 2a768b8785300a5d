"""python manage.py import_knowledge DIR: Markdown files with YAML front matter → knowledge
pages and topics (knowledge/importing.py). Exits with 1 if any file failed."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from cityhall import statistics
from knowledge import importing


class Command(BaseCommand):
    help = "Import a folder of Markdown files (title, kind, group, tags, date, visibility)."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder: Path, **options):
        if not folder.is_dir():
            raise CommandError(_("フォルダ「%(folder)s」が見つかりません。") % {"folder": folder})
        report = importing.import_folder(folder, progress=self._bar)
        statistics.refresh()
        for outcome in report.outcomes:
            self._report_line(outcome)
        self.stdout.write(report.summary)
        if failed := report.count(importing.FAILED):
            raise CommandError(_("%(n)d件のファイルを取り込めませんでした。") % {"n": failed})

    def _bar(self, files):
        """A progress bar on standard error (standard output keeps the report)."""
        return tqdm(files, file=self.stderr._out, unit=_("件"), leave=False)

    def _report_line(self, outcome: importing.Outcome) -> None:
        if not outcome.notes:
            return
        line = f"{outcome.name}: {' '.join(outcome.notes)}"
        if outcome.status == importing.FAILED:
            failed = _("失敗")
            self.stderr.write(f"{failed} {line}")
        else:
            self.stdout.write(line)

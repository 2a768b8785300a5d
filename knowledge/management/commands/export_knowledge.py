"""python manage.py export_knowledge DIR: every live knowledge page and imported topic as a
Markdown file that import_knowledge reads back (knowledge/exporting.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from knowledge import exporting


class Command(BaseCommand):
    help = "Export knowledge pages and imported topics as Markdown files with YAML front matter."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder: Path, **options):
        count = exporting.export_folder(folder)
        self.stdout.write(
            _("%(n)d件を %(folder)s に書き出しました。") % {"n": count, "folder": folder}
        )

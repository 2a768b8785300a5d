from django.core.management.base import BaseCommand

from knowledge import recordings


class Command(BaseCommand):
    help = (
        "Delete recording uploads that have not grown for a day (knowledge.recordings); "
        "run daily. Starting an upload also does this."
    )

    def handle(self, *args, **options):
        dropped = recordings.clean_expired()
        self.stdout.write(f"{dropped} abandoned upload(s) removed")

import threading

from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand

from cityhall import periodic
from cityhall.health import record_worker_heartbeat

HEARTBEAT_SECONDS = 15


class Command(DBWorkerCommand):
    help = (
        "Run the background-task worker (django-tasks-db), report a heartbeat to /healthz and "
        "enqueue the periodic tasks the apps registered (cityhall.periodic)."
    )

    def handle(self, *args, **options):
        stop = threading.Event()
        thread = threading.Thread(target=self._beat, args=(stop,), daemon=True)
        thread.start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()

    @staticmethod
    def _beat(stop: threading.Event) -> None:
        while True:
            try:
                record_worker_heartbeat()
                periodic.enqueue_due()
            finally:
                close_old_connections()
            if stop.wait(HEARTBEAT_SECONDS):
                return

import threading
import time

from django.core.cache import cache
from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand

from cityhall.health import WORKER_HEARTBEAT_KEY

HEARTBEAT_SECONDS = 15


class Command(DBWorkerCommand):
    help = "Run the background-task worker (django-tasks-db) and report a heartbeat to /healthz."

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
        while not stop.is_set():
            try:
                cache.set(WORKER_HEARTBEAT_KEY, time.time(), None)
            finally:
                close_old_connections()
            stop.wait(HEARTBEAT_SECONDS)

"""daphne as this site runs it (cityhall.asgi, in the server's own process)."""

from daphne.http_protocol import WebRequest


def leave_bodies_to_django() -> None:
    """Twisted parses the body of every form POST into ``request.args`` before handing it on
    (``parsePOSTFormSubmission``, on by default), and daphne never reads them. It did so in
    the event loop, which every request and socket of the process shares: a reply through
    daphne took 10.0-11.0 ms with it, 9.1-9.2 without; while a 10 MB form was parsed, other
    requests waited up to 344 ms (26 ms without), and the body was held in memory twice.
    Off, Django alone parses a body (in a worker thread, files spooled to disk), and a
    malformed one gets the site's answer rather than Twisted's bare 400."""
    if getattr(WebRequest.__init__, "leaves_bodies", False):
        return
    parsing = WebRequest.__init__

    def __init__(self, *args, **kwargs):
        parsing(self, *args, **kwargs)
        self._parsePOSTFormSubmission = False

    __init__.leaves_bodies = True
    WebRequest.__init__ = __init__

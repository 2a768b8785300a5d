"""Static files as the site serves them with DEBUG off: WhiteNoise's compressed copies under
hashed names, cached by browsers forever. Django leaves the imports between JavaScript modules
as written (chat.js imports ./chat/composer.js), so the imported modules kept their plain
names and a 60-second cache, and a member coming back after a minute asked for each again, one
round trip per level of imports (bench/throttled.py). Here the imports name the hashed copies
too."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFiles(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls = {}

    def url(self, name, force=False):
        """A name's URL, looked up once per process: the manifest does not change while the
        process runs, and every page asks for nine (0.25 ms a page through the lookup)."""
        if force:
            return super().url(name, force)
        found = self._urls.get(name)
        if found is None:
            self._urls[name] = found = super().url(name)
        return found

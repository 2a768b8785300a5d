"""Static files as the site serves them with DEBUG off: WhiteNoise's compressed copies under
hashed names, cached by browsers forever. Django leaves the imports between JavaScript modules
as written (chat.js imports ./chat/composer.js), so the imported modules kept their plain
names and a 60-second cache, and a member coming back after a minute asked for each again, one
round trip per level of imports (bench/throttled.py). Here the imports name the hashed copies
too."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFiles(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True

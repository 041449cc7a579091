"""Settings of the bench's server: the project's production settings (DEBUG off), served over
plain HTTP on 127.0.0.1, with the bench-only URLs. `bench.site` sets the environment
(throwaway database, secret, media and static directories) before Django reads it."""

from django.core.exceptions import ImproperlyConfigured

from config.settings import *  # noqa: F403
from config.settings import CACHES, DEBUG

if DEBUG:
    raise ImproperlyConfigured("The bench measures production settings: run it with DEBUG=0.")

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1"]
SECURE_SSL_REDIRECT = False
# The same manifest lookups as production, without compressing files the bench never downloads.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
# A shared Redis (CACHE_URL) may also serve a development server: keep the bench's keys apart.
CACHES["default"]["KEY_PREFIX"] = "bench"

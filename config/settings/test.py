"""Test settings: fast hashing, in-process Celery, in-memory e-mail."""

import tempfile

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = ""
MEDIA_ROOT = tempfile.mkdtemp(prefix="impactfonds-test-media-")
REQUIRE_2FA = False
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "core.storage.PrivateStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

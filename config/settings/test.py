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
# Never the network in tests: the breach check is off (tests/fund/test_passwords.py switches it on against a
# local fake server).
BREACHED_PASSWORD_CHECK = False
AUTH_PASSWORD_VALIDATORS = [
    v
    for v in AUTH_PASSWORD_VALIDATORS  # noqa: F405
    if v["NAME"] != "fund.passwords.BreachedPasswordValidator"
]
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "core.storage.PrivateStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Rate limits out of the way of ordinary tests (the cache outlives a test, and user ids repeat across tests);
# tests/fund/test_rate_limits.py sets small limits to test them.
ACTION_RATE_LIMITS = dict.fromkeys(ACTION_RATE_LIMITS, (100000, 3600))  # noqa: F405
API_RATE_LIMIT = "100000/minute"
# Many tests log in at the real time and then travel months ahead (time-machine) to check dated behaviour;
# the absolute session lifetime would log them out. tests/fund/test_security.py sets the real 12 hours.
SESSION_ABSOLUTE_LIFETIME = 10 * 365 * 24 * 3600

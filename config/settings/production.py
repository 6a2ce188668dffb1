"""Production: no defaults for secrets, HTTPS everywhere, 2FA required."""

import copy

from .base import *  # noqa: F403
from .base import DATABASES, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
REQUIRE_2FA = env.bool("REQUIRE_2FA", default=True)

# New passwords checked against Have I Been Pwned (fund.passwords; ASVS 2.1.7), unless switched off.
BREACHED_PASSWORD_CHECK = env.bool("BREACHED_PASSWORD_CHECK", default=True)
AUTH_PASSWORD_VALIDATORS = [
    validator
    for validator in AUTH_PASSWORD_VALIDATORS  # noqa: F405
    if validator["NAME"] != "fund.passwords.BreachedPasswordValidator"
] + ([{"NAME": "fund.passwords.BreachedPasswordValidator"}] if BREACHED_PASSWORD_CHECK else [])

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Persistent database connections (bench/load.py): opening a PostgreSQL connection starts a server process,
# which cost more CPU than most pages did. Health checks drop a connection the server closed in between.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=300)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

STORAGES = {
    "default": {"BACKEND": "core.storage.PrivateStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Structured logs: one JSON object per line with the request id (core.logging).
LOGGING = copy.deepcopy(LOGGING)  # noqa: F405
LOGGING["handlers"]["console"]["formatter"] = "json"

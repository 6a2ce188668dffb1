import os

from django.core.wsgi import get_wsgi_application
from django.db import connections
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
application = get_wsgi_application()

# Import the URL configuration, and with it every view module (pandas, reportlab, …), now rather than on
# each worker's first request: seconds of CPU per worker on 2 cores (bench/load.py). With `gunicorn
# --preload` the master does it once and the workers share it; no database connection crosses the fork.
get_resolver().url_patterns  # noqa: B018 - the attribute imports the URL configuration
connections.close_all()

"""WSGI entry point of the benchmark server (zhizhi serve --app bench.wsgi:application), settled as
zhizhi.wsgi is."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
application = get_wsgi_application()

from zhizhi.core.serving import settle  # noqa: E402  (needs the settings configured above)

settle()

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhizhi.settings")
application = get_wsgi_application()

from zhizhi.core.serving import settle  # noqa: E402  (needs the settings configured above)

settle()

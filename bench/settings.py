"""Settings for benchmark databases and the benchmark server: zhizhi's own, plus the bare app.

The bare endpoint lives at /bench/ping; everything else (middleware, auth, the API) is unchanged.
"""

from zhizhi.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench.bare"]  # noqa: F405
ROOT_URLCONF = "bench.urls"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

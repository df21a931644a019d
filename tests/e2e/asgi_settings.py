"""Settings of the ASGI server (daphne) that the battle journeys start as a subprocess (not a test module):
the test settings, static files from the app folders (no collectstatic), and Celery tasks run eagerly in
the server, as the worker would run them (the credit awards after a battle)."""

from school.settings.test import *  # noqa: F403

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
CELERY_TASK_ALWAYS_EAGER = True

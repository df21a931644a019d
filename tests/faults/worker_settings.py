"""Settings for worker processes of the fault tests: the test settings plus the blocking metrics app."""

from school.settings.test import *  # noqa: F403
from school.settings.test import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.faults.blocking.apps.BlockingConfig"]

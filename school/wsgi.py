import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "school.settings.dev")
application = get_wsgi_application()

# The shared-storage contract (MEDIA_ROOT writable, one filesystem, the folder the other machines share):
# production refuses to serve from anything else (gunicorn loads this module before forking).
from school.readiness import verify_storage_at_start  # noqa: E402

verify_storage_at_start("web server")

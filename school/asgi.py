"""The ASGI entry point: Django's HTTP application and the WebSocket endpoints that the apps register
through the ``WEBSOCKET_ROUTES`` hook (``school`` imports none of them), behind the session login and an
Origin check against ``ALLOWED_HOSTS``."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "school.settings.dev")
django_asgi_app = get_asgi_application()  # sets Django up before anything imports models

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from school.hooks import websocket_routes  # noqa: E402

application = ProtocolTypeRouter({
    "http": django_asgi_app,
    "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_routes()))),
})

"""The ASGI entry point: Django's HTTP application and the WebSocket endpoints that the apps register
through the ``WEBSOCKET_ROUTES`` hook (``school`` imports none of them), behind the session login and an
Origin check against ``ALLOWED_HOSTS``."""

import gc
import os

from django.conf import settings
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


def settle_heap() -> None:
    """Keep the garbage collector's full passes from stalling every socket of the server (each walks every
    object of the process while holding the GIL: 0.1–0.26 s, several times a minute, with a thousand battle
    sockets open; bench/battles.py). What start-up loaded (Django, the URL conf, the models, the templates)
    lives as long as the process: frozen out of those passes. And the young generation is collected after
    50,000 allocations rather than 700, so that full passes come every few hours instead of every few
    seconds; cyclic garbage still dies young in the frequent young passes."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


if settings.ASGI_SETTLE_HEAP:
    settle_heap()

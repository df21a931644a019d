"""The ASGI application of bench/battles.py: the site's own (school.asgi) plus a WebSocket echo consumer at
/ws/bench/echo/, behind the same session and Origin checks, as the baseline the answer acknowledgements are
compared with. Only the benchmark serves it (not a module of the site)."""

from __future__ import annotations

from typing import Any

from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from school.asgi import settle_heap  # noqa: E402
from school.hooks import websocket_routes  # noqa: E402


class Echo(AsyncWebsocketConsumer):
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        await self.send(text_data=text_data)


application = ProtocolTypeRouter({
    "http": django_asgi_app,
    "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(
        [path("ws/bench/echo/", Echo.as_asgi()), *websocket_routes()]))),
})

settle_heap()

"""WebSocket routes of the exams app (答题PK), served by school/asgi.py through the WEBSOCKET_ROUTES hook."""

from django.urls import path

from .consumers import BattleConsumer, LobbyConsumer

websocket_urlpatterns = [
    path("ws/battles/lobby/", LobbyConsumer.as_asgi()),
    path("ws/battles/<id:battle_id>/", BattleConsumer.as_asgi()),
]

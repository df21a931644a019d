"""Shapes of the player's JSON API, for the OpenAPI schema (the views build plain dicts)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class PingSerializer(serializers.Serializer[Any]):
    ok = serializers.BooleanField()


class ProgressStartSerializer(serializers.Serializer[Any]):
    session = serializers.CharField(help_text="Send it with every heartbeat; a newer start replaces it.")
    position = serializers.FloatField(help_text="Resume position in seconds.")
    duration = serializers.FloatField()
    required_seconds = serializers.FloatField()
    watched_seconds = serializers.FloatField()
    completed = serializers.BooleanField()
    intervals = serializers.ListField(child=serializers.ListField(child=serializers.FloatField()),
                                      help_text="Merged watched spans [[start, end], ...].")
    kind = serializers.ChoiceField(choices=["video", "reading", "document"])
    max_rate = serializers.FloatField(help_text="Largest credited playback rate.")


class HeartbeatInSerializer(serializers.Serializer[Any]):
    session = serializers.CharField()
    seq = serializers.IntegerField(help_text="Increases with every heartbeat of the session.")
    position = serializers.FloatField(help_text="Where playback (or reading) is now, in seconds.")
    start = serializers.FloatField(required=False, help_text="Where the span played since the last heartbeat began.")


class HeartbeatOutSerializer(serializers.Serializer[Any]):
    watched_seconds = serializers.FloatField()
    credited = serializers.FloatField(help_text="Seconds this heartbeat added.")
    position = serializers.FloatField()
    completed = serializers.BooleanField()
    seek = serializers.BooleanField(help_text="The span was longer than real time allows: a seek, not credited.")
    idle = serializers.BooleanField(help_text="The report came after a silence longer than a few heartbeat "
                                              "intervals: nothing credited, the clock restarts now.")
    required_seconds = serializers.FloatField()

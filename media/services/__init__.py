"""Data changes of the media app as typed functions (views, tasks, commands and tests call these)."""

from .registration import queue_video, register_video, register_video_from_path, requeue_video
from .transcoding import ClaimLost, process_video

__all__ = [
    "ClaimLost",
    "process_video",
    "queue_video",
    "register_video",
    "register_video_from_path",
    "requeue_video",
]

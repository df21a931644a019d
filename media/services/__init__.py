"""Data changes of the media app as typed functions (views, tasks, commands and tests call these)."""

from .chunked import claim_stalled_steps
from .chunked import run_step as run_chunk_step
from .registration import queue_video, register_video, register_video_from_path, requeue_video
from .transcoding import ClaimLost, claim_stalled_videos, process_video

__all__ = [
    "ClaimLost",
    "claim_stalled_steps",
    "claim_stalled_videos",
    "process_video",
    "queue_video",
    "register_video",
    "register_video_from_path",
    "requeue_video",
    "run_chunk_step",
]

"""Everything that talks to ffmpeg: finding the binary, probing, planning and running the ladder,
reading and writing HLS playlists, posters. No database access here (see ``media.services``)."""

from .binary import ffmpeg_binary
from .probe import ProbeError, ProbeResult, probe

__all__ = ["ProbeError", "ProbeResult", "ffmpeg_binary", "probe"]

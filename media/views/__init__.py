from .files import hls_file, poster
from .pages import preview

__all__ = ["hls_file", "poster", "preview"]

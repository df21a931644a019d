from .files import hls_file, poster
from .images import rendition
from .pages import preview

__all__ = ["hls_file", "poster", "preview", "rendition"]

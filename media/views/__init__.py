from .files import hls_file, poster
from .images import rendition
from .pages import preview
from .uploads import upload_collection, upload_resource

__all__ = ["hls_file", "poster", "preview", "rendition", "upload_collection", "upload_resource"]

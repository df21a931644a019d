"""Content sniffing for uploads: the first bytes decide, the file name's extension proves nothing."""

from __future__ import annotations

from typing import IO

_RIFF_KINDS = {b"AVI ", b"WAVE"}
_BOX_TYPES = {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}  # MP4, MOV, 3GP, M4A
_ASF = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")


def sniff_media_container(head: bytes) -> str | None:
    """The container the bytes start like, or None when they look like no audio/video format."""
    if len(head) >= 12 and head[4:8] in _BOX_TYPES:
        return "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska"
    if head.startswith(b"RIFF") and head[8:12] in _RIFF_KINDS:
        return "avi" if head[8:12] == b"AVI " else "wav"
    if head.startswith(b"FLV"):
        return "flv"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(_ASF):
        return "asf"
    if head.startswith((b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3")):
        return "mpeg"
    if len(head) > 376 and head[0] == 0x47 and head[188] == 0x47 and head[376] == 0x47:
        return "mpegts"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mpeg-audio"
    if head.startswith(b"fLaC"):
        return "flac"
    return None


def sniff_file(file: IO[bytes]) -> str | None:
    position = file.tell()
    try:
        file.seek(0)
        return sniff_media_container(file.read(4096))
    finally:
        file.seek(position)

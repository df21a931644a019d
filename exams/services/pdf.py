"""Certificate PDFs with reportlab.

Font: a Chinese TrueType font is embedded as a subset when one is found (``EXAMS_CERTIFICATE_FONT``,
else WenQuanYi / Droid Sans Fallback / Noto at the usual Debian paths; OpenType-CFF fonts such as
Noto Sans CJK .otf cannot be used by reportlab). Fallback: the built-in CID font ``STSong-Light``
(UnicodeCIDFont), which needs no file; the PDF viewer supplies the glyphs, so nothing is embedded.

Text is drawn with ``drawString`` (no markup parsing: a name like ``<b>`` prints literally) and shrunk
to fit its line, then cut with an ellipsis at the smallest size. The QR code is drawn as vector
rectangles (one filled path, no image), so it stays sharp in any viewer and in a screenshot.
"""

from __future__ import annotations

import functools
import io
import itertools
from pathlib import Path

import qrcode
from django.conf import settings
from django.utils import timezone
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from ..models import Certificate, CertificateLayout

FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansSC-Regular.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
]
FALLBACK_FONT = "STSong-Light"
RED = HexColor("#b71c1c")


@functools.cache
def certificate_font() -> str:
    """Register and return the font name (once per process)."""
    configured = getattr(settings, "EXAMS_CERTIFICATE_FONT", "")
    for path in [configured, *FONT_CANDIDATES]:
        if path and Path(path).is_file():
            try:
                pdfmetrics.registerFont(TTFont("CertCJK", path, subfontIndex=0))
                return "CertCJK"
            except Exception:  # noqa: S112 - an unusable font file: try the next one
                continue
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT


def fit_text(text: str, font: str, size: float, min_size: float, width: float) -> tuple[str, float]:
    """Shrink to fit ``width``; below ``min_size``, cut with an ellipsis."""
    text = " ".join(text.split())
    while size > min_size and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 1
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text, size
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…", size


@functools.lru_cache(maxsize=8)
def _seal_reader(path: str, mtime: float) -> ImageReader:
    return ImageReader(path)


# Byte-mode capacity at error correction M (ISO/IEC 18004 table 7): choosing the version up front saves
# qrcode's fitting pass, which encodes the data twice.
_QR_BYTES_M = [(3, 42), (4, 62), (5, 84), (6, 106), (7, 122), (8, 152), (9, 180), (10, 213)]


def qr_matrix(data: str) -> list[list[bool]]:
    """The QR modules (error correction M, a 2-module quiet zone). A fixed mask pattern skips qrcode's search
    over all eight masks (any mask is valid): reportlab's own encoder searches them in pure Python, 3× slower."""
    version = next((v for v, capacity in _QR_BYTES_M if len(data.encode()) <= capacity), None)
    qr = qrcode.QRCode(version=version, border=2, error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=2)
    qr.add_data(data)
    qr.make(fit=version is None)
    return [[bool(on) for on in row] for row in qr.get_matrix()]


def _draw_qr(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    """The QR code as one filled vector path, a rectangle per run of dark modules: sharp at any zoom, so a
    low-resolution screenshot of the PDF still scans. (A bitmap with one pixel per module is smoothed by viewers
    when scaled and did not scan below ~150 dpi.)"""
    matrix = qr_matrix(data)
    module = size / len(matrix)
    path = canvas.beginPath()
    for r, row in enumerate(matrix):
        top = y + size - (r + 1) * module
        c = 0
        for dark, run in itertools.groupby(row):
            count = len(list(run))
            if dark:
                path.rect(x + c * module, top, count * module, module)
            c += count
    canvas.drawPath(path, stroke=0, fill=1)


def verify_url(certificate: Certificate, base_url: str) -> str:
    return f"{base_url.rstrip('/')}/certificates/verify/{certificate.code}/"


def render_certificate(certificate: Certificate, base_url: str, layout: CertificateLayout | None = None) -> bytes:
    layout = layout or CertificateLayout.load()
    font = certificate_font()
    buffer = io.BytesIO()
    width, height = landscape(A4)
    canvas = Canvas(buffer, pagesize=(width, height), pageCompression=1)
    canvas.setTitle(f"{layout.title} {certificate.serial}")
    canvas.setStrokeColor(RED)
    canvas.setLineWidth(6)
    canvas.rect(24, 24, width - 48, height - 48)
    canvas.setLineWidth(1.5)
    canvas.rect(36, 36, width - 72, height - 72)
    canvas.setFillColor(RED)
    text, size = fit_text(layout.title, font, 40, 20, width - 200)
    canvas.setFont(font, size)
    canvas.drawCentredString(width / 2, height - 120, text)
    canvas.setFillColor(HexColor("#222222"))
    line_width = width - 240
    text, size = fit_text(certificate.member_name, font, 30, 10, line_width)
    canvas.setFont(font, size)
    canvas.drawString(120, height - 200, text)
    text, size = fit_text(certificate.organization_name, font, 16, 8, line_width)
    canvas.setFont(font, size)
    canvas.drawString(120, height - 232, text)
    score = f"{certificate.score.normalize():f}" if certificate.score == certificate.score.to_integral() else \
        str(certificate.score)
    body = layout.body_template.replace("{exam}", certificate.exam_title).replace("{score}", score)
    text, size = fit_text(body, font, 18, 9, line_width)
    canvas.setFont(font, size)
    canvas.drawString(150, height - 280, text)
    canvas.setFont(font, 16)
    canvas.drawRightString(width - 140, 170, layout.issuer[:60])
    canvas.drawRightString(width - 140, 145, layout.signature_text[:60])
    canvas.drawRightString(width - 140, 120, f"{timezone.localtime(certificate.issued_at):%Y年%m月%d日}")
    if layout.seal_id:
        try:
            file = layout.seal.file
            path = file.path
            canvas.drawImage(_seal_reader(path, Path(path).stat().st_mtime), width - 300, 90, 120, 120,
                             mask="auto", preserveAspectRatio=True)
        except (OSError, ValueError, NotImplementedError):
            pass
    canvas.setFont(font, 10)
    canvas.drawString(80, 88, f"证书编号：{certificate.serial}")
    canvas.drawString(80, 72, f"验证码：{certificate.code}")
    canvas.setFillColor(HexColor("#000000"))
    _draw_qr(canvas, verify_url(certificate, base_url), 80, 104, 80)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()

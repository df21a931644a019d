"""Certificate PDFs with reportlab.

Font: a Chinese TrueType font is embedded as a subset when one is found (``EXAMS_CERTIFICATE_FONT``,
else WenQuanYi / Droid Sans Fallback / Noto at the usual Debian paths; OpenType-CFF fonts such as
Noto Sans CJK .otf cannot be used by reportlab). Fallback: the built-in CID font ``STSong-Light``
(UnicodeCIDFont), which needs no file; the PDF viewer supplies the glyphs, so nothing is embedded.

Text is drawn with ``drawString`` (no markup parsing: a name like ``<b>`` prints literally) and shrunk
to fit its line, then cut with an ellipsis at the smallest size. The QR code is drawn as vector
squares from the qrcode matrix (no image encoding), which keeps the file small and fast.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

import qrcode
from django.conf import settings
from django.utils import timezone
from PIL import Image
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


def qr_image(data: str) -> Image.Image:
    """A 1-bit image with one pixel per module (scaled up by the PDF viewer without smoothing).
    A fixed mask pattern skips qrcode's slow search over all eight masks; any mask is valid."""
    qr = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=2)
    qr.add_data(data)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    n = len(matrix)
    image = Image.new("1", (n, n), 1)
    image.putdata([0 if on else 1 for row in matrix for on in row])
    return image


def _draw_qr(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    canvas.drawInlineImage(qr_image(data), x, y, size, size)


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

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from exams.models import Certificate, CertificateLayout
from exams.services import pdf
from exams.services.pdf import fit_text, render_certificate

pytestmark = pytest.mark.django_db


def cert(name: str) -> Certificate:
    return Certificate(serial="2026000100000009", code="ABCDEFGHJKLM", member_name=name,
                       organization_name="第一党支部" * 20, exam_title="党章知识测试", score=Decimal("88.5"),
                       issued_at=timezone.now())


def test_it_renders_names_with_markup_or_great_length_safely() -> None:
    for name in ["<b>张伟</b> & <font size=99>", "阿卜杜热合曼·买买提" * 12, "]]>%PDF", ""]:
        content = render_certificate(cert(name), "http://testserver/")
        assert content.startswith(b"%PDF") and len(content) < 60 * 1024


def test_it_shrinks_then_cuts_long_text_to_fit() -> None:
    font = pdf.certificate_font()
    text, size = fit_text("张" * 10, font, 30, 10, 1000)
    assert (text, size) == ("张" * 10, 30)
    text, size = fit_text("张" * 200, font, 30, 10, 300)
    assert size == 10 and text.endswith("…") and len(text) < 200


def test_it_falls_back_to_the_builtin_cid_font(monkeypatch, settings) -> None:
    pdf.certificate_font.cache_clear()
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", [])
    settings.EXAMS_CERTIFICATE_FONT = "/nonexistent.ttf"
    try:
        assert pdf.certificate_font() == "STSong-Light"
        assert render_certificate(cert("张伟"), "http://testserver/").startswith(b"%PDF")
    finally:
        pdf.certificate_font.cache_clear()


def test_it_uses_the_layout_edited_in_the_admin(personas, client_for) -> None:
    layout = CertificateLayout.load()
    before = render_certificate(cert("张伟"), "http://testserver/")
    layout.title = "学习证书"
    layout.issuer = "某某区委党校"
    layout.save()
    page = client_for(personas.superuser).get("/admin/exams-tools/layout/")
    assert page.status_code == 302 and "settings" in page["Location"]
    after = render_certificate(cert("张伟"), "http://testserver/")
    assert after.startswith(b"%PDF") and len(after) != len(before)


def test_it_refuses_the_pdf_of_a_revoked_certificate_on_every_path(personas, client_for) -> None:
    import io
    import zipfile

    from exams.services import revoke_certificate

    from .builders import fill_bank, make_bank, make_exam, pass_exam

    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 5)
    exam = make_exam(personas.trainer, bank, certificate_on_pass=True)
    kept = Certificate.objects.get(attempt=pass_exam(personas.member_a2, exam))
    attempt = pass_exam(personas.member, exam)
    certificate = revoke_certificate(Certificate.objects.get(attempt=attempt), "替考")
    url = f"/certificates/{certificate.serial}/pdf/"
    for user in (personas.member.user, personas.admin_a):  # the holder and an administrator in scope
        refused = client_for(user).get(url)
        text = refused.content.decode()
        assert refused.status_code == 410 and refused["Content-Type"].startswith("text/html")
        assert "该证书已被撤销，不能再下载。" in text and "替考" in text and "%PDF" not in text
    assert client_for(personas.member.user).get(f"/certificates/{kept.serial}/pdf/").status_code == 404
    assert client_for(personas.member_a2.user).get(f"/certificates/{kept.serial}/pdf/").status_code == 200
    result = client_for(personas.member.user).get(f"/exams/attempts/{attempt.pk}/result/").content.decode()
    assert "该证书已被撤销" in result and url not in result
    api = client_for(personas.member.user).get(f"/api/v1/exams/attempts/{attempt.pk}/result/").json()
    assert api["certificate"]["valid"] is False and api["certificate"]["download_url"] is None
    zipped = client_for(personas.admin_a).get(f"/admin/exams-tools/certificates/bulk/?organization={personas.branch_group_a.pk}")
    assert zipfile.ZipFile(io.BytesIO(zipped.content)).namelist() == [f"{kept.serial}.pdf"]
    listing = client_for(personas.admin_a).get("/admin/exams_certificate/").content.decode()
    assert kept.serial in listing and url not in listing


@pytest.mark.skipif(not (shutil.which("pdftoppm") and shutil.which("zbarimg")),
                    reason="needs pdftoppm (poppler-utils) and zbarimg (zbar-tools): bin/ensure-chromium.sh installs them")
@pytest.mark.parametrize("dpi", [72, 100, 130])
def test_it_prints_a_qr_code_a_phone_reads_from_a_screenshot(tmp_path: Path, dpi: int) -> None:
    """A shared screenshot of the PDF (72–130 dpi) still scans to the verify URL."""
    certificate = cert("张伟")
    (tmp_path / "certificate.pdf").write_bytes(render_certificate(certificate, "https://dangxiao.example.cn/"))
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(tmp_path / "certificate.pdf"),
                    str(tmp_path / "page")], check=True, timeout=60)
    scan = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(tmp_path / "page.png")],
                          capture_output=True, text=True, timeout=60)
    assert scan.stdout.split() == [f"https://dangxiao.example.cn/certificates/verify/{certificate.code}/"], scan


def test_it_tells_the_member_when_a_certificate_is_issued_and_revoked(personas) -> None:
    from exams.services import revoke_certificate
    from school.models import Notification

    from .builders import fill_bank, make_bank, make_exam, pass_exam

    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 5)
    exam = make_exam(personas.trainer, bank, certificate_on_pass=True)
    certificate = Certificate.objects.get(attempt=pass_exam(personas.member, exam))
    revoke_certificate(certificate, "替考")
    revoke_certificate(certificate, "替考")  # a second revocation tells nobody again
    notes = {n.kind: n for n in Notification.objects.filter(user=personas.member.user)}
    assert set(notes) == {"certificate_issued", "certificate_revoked"}
    assert notes["certificate_issued"].url == f"/certificates/{certificate.serial}/pdf/"
    assert "替考" in notes["certificate_revoked"].body


def test_the_exams_usage_screen_names_its_certificates_links_in_chinese(personas, client_for) -> None:
    """Wagtail's usage screen of an exam lists the certificates that point at it, by the field they point
    with: 考试, not the field's English name."""
    from .builders import fill_bank, make_bank, make_exam, pass_exam

    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 5)
    exam = make_exam(personas.trainer, bank, title="党章测试", certificate_on_pass=True)
    client_for(personas.trainer).get("/admin/")  # Wagtail tracks references of the models its admin registers
    assert Certificate.objects.filter(attempt=pass_exam(personas.member, exam)).exists()
    html = client_for(personas.trainer).get(f"/admin/exams_exam/usage/{exam.pk}/",
                                            HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    squeezed = "".join(html.split())
    assert "<td>证书</td><td><ul><li>考试</li></ul></td>" in squeezed  # a trainer sees the link, not the certificate

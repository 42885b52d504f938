"""The printed extract (Reg. §61): a PDF rendered to PNG pages, its text read, its QR decoded."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from audit_world import BASE_URL, ISSUER_NAME, World
from PIL import Image

from anchoring.audit_bundle import audit_bundle
from anchoring.bundle_format import parse_bundle_url
from anchoring.extract import TITLE_KY, ExtractInfo, render_extract
from anchoring.extract_service import Extract, make_extract
from node.domain.calendar import WorkingCalendar
from node.errors import ConfigError

PRINTED_AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def extract(world: World, calendar: WorkingCalendar) -> Extract:
    ledger = world.open()
    try:
        return make_extract(
            ledger,
            world.regno,
            chain=world.chain(),
            base_url=BASE_URL,
            printed_at=PRINTED_AT,
            calendar=calendar,
        )
    finally:
        ledger.close()


def _pages(pdf: bytes, tmp_path: Path) -> list[Path]:
    source = tmp_path / "extract.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", str(source), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    return sorted(tmp_path.glob("page-*.png"))


def test_the_pdf_renders_to_png_pages_with_a_readable_qr_code(
    extract: Extract, tmp_path: Path
) -> None:
    assert extract.pdf.startswith(b"%PDF-")
    pages = _pages(extract.pdf, tmp_path)
    assert 1 <= len(pages) <= 3
    with Image.open(pages[0]) as image:
        width, height = image.size
        assert abs(width - 1240) <= 1 and abs(height - 1754) <= 1  # A4 at 150 dpi
        dark = sum(image.convert("L").histogram()[:128])
        assert dark > 0.01 * width * height  # text, tables and the code, not a blank page
    decoded: list[str] = []
    for page in pages:  # zbarimg exits 4 for a page without a code
        found = subprocess.run(
            ["zbarimg", "--quiet", "--raw", str(page)], capture_output=True, text=True, timeout=60
        )
        assert found.returncode in (0, 4), found.stderr
        decoded += found.stdout.split()
    assert decoded == [extract.url]
    key, sha = parse_bundle_url(decoded[0])
    assert (key, sha) == (extract.bundle.emission, extract.sha256)


def test_the_pdf_prints_the_reg_62_fields_in_kyrgyz_and_latin(
    extract: Extract, world: World, tmp_path: Path
) -> None:
    source = tmp_path / "extract.pdf"
    source.write_bytes(extract.pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(source), "-"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    flat = " ".join(text.split())
    for expected in (
        TITLE_KY,
        ISSUER_NAME,
        world.regno,
        "Эмитенттин толук аталышы",
        "Legal address",
        "digital_token",
        "recognized_successful",
        "Deadline missed",
        extract.sha256,
        extract.bundle.anchor.tx_hash,
        extract.bundle.checkpoint.log_root,
        "Printed 2026-11-20T09:30:00.000000Z",
    ):
        assert expected in flat, expected


def test_the_extract_is_the_bundle_it_names(
    extract: Extract, world: World, calendar: WorkingCalendar
) -> None:
    """Verifying a printed extract: fetch the bundle the QR names, check its hash, audit it."""
    audit = audit_bundle(
        extract.bundle_bytes,
        chain=world.chain(),
        calendar=calendar,
        expected_key=world.regno,
        expected_sha256=extract.sha256,
    )
    assert audit.report.ok


def test_a_failed_bundle_is_never_printed(
    extract: Extract, tmp_path: Path, calendar: WorkingCalendar
) -> None:
    failing = audit_bundle(
        extract.bundle_bytes,
        chain=None,
        calendar=calendar,
        expected_key="KG0299ZZZZ1",
    )
    assert not failing.report.ok
    info = ExtractInfo(url=extract.url, printed_at=PRINTED_AT, rpc_note="test")
    with pytest.raises(ConfigError, match="does not verify, no extract is printed"):
        render_extract(failing, info=info, out=tmp_path / "never.pdf")
    assert not (tmp_path / "never.pdf").exists()

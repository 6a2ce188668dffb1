"""Uploads are recognised by parsing (issue 15): polyglots and zip bombs are refused cheaply."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from core.uploads import document_type, open_workbook


def _real_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "Jaarrekening 2025")
    page.save()
    return buffer.getvalue()


def _xlsx(rows: int = 3, cols: int = 3) -> bytes:
    wb = Workbook()
    for r in range(1, rows + 1):
        for c in range(1, cols + 1):
            wb.active.cell(row=r, column=c, value=r * c)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


CONTENT_TYPES = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
)
DOCX_BODY = (
    b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p/></w:body></w:document>"
)


def test_a_real_pdf_is_a_pdf():
    assert document_type(_real_pdf()) == "pdf"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7\n<html><body><script>alert(1)</script></body></html>", "bevat HTML of een script"),
        (b"%PDF-", "geen geldige PDF"),
        (b"%PDF-1.4\n% only a header\n%%EOF\n", "geen geldige PDF"),
    ],
    ids=["pdf-then-html", "header-only", "no-pages"],
)
def test_a_file_that_only_starts_like_a_pdf_is_refused(content, message):
    with pytest.raises(ValidationError) as info:
        document_type(content)
    assert message in info.value.messages[0]


def test_a_real_pdf_carrying_html_in_its_first_kilobyte_is_refused():
    """A polyglot that pypdf opens (a valid PDF) but a browser would sniff as a web page."""
    pdf = _real_pdf()
    polyglot = pdf[:9] + b"%<html><script>alert(1)</script>\n" + pdf[9:]
    with pytest.raises(ValidationError) as info:
        document_type(polyglot)
    assert info.value.code == "polyglot"


def test_images_are_recognised_by_pillow_and_served_with_their_checked_type():
    from PIL import Image

    from core.uploads import served_type

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    assert document_type(buffer.getvalue(), allowed=("pdf", "png", "jpeg")) == "png"
    with pytest.raises(ValidationError):
        document_type(b"\x89PNG\r\n\x1a\n<html>", allowed=("png",))
    assert served_type(buffer.getvalue(), "foto.html") == ("image/png", "foto.html.png")
    assert served_type(_real_pdf(), "bewijs.pdf") == ("application/pdf", "bewijs.pdf")
    assert served_type(b"<html><script>alert(1)</script>", "x.pdf") == ("application/octet-stream", "x.pdf")


def test_an_xlsx_and_a_docx_are_recognised():
    assert document_type(_xlsx()) == "xlsx"
    docx = _zip({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": DOCX_BODY})
    assert document_type(docx) == "docx"


def test_a_docx_with_an_entity_declaration_is_refused():
    evil = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]>' + DOCX_BODY.split(b"?>", 1)[1]
    docx = _zip({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": evil})
    with pytest.raises(ValidationError, match="geen geldig Word"):
        document_type(docx)


def test_a_type_outside_the_allowed_ones_is_refused_naming_them():
    with pytest.raises(ValidationError) as info:
        document_type(_xlsx(), allowed=("pdf",))
    assert "toegestaan: PDF" in info.value.messages[0]
    with pytest.raises(ValidationError):
        document_type(b"<html>hallo</html>")


def _bomb(rows: int) -> bytes:
    row = b"<row><c><v>1</v></c></row>"  # without r="…": identical rows, packed like a real bomb
    sheet = (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>" + row * rows + b"</sheetData></worksheet>"
    )
    template = zipfile.ZipFile(io.BytesIO(_xlsx()))
    parts = {name: template.read(name) for name in template.namelist()}
    parts["xl/worksheets/sheet1.xml"] = sheet
    return _zip(parts)


def test_a_zip_bomb_is_refused_from_its_declared_size_without_reading_it():
    bomb = _bomb(800_000)  # ~33 MB unpacked, well under 1 MB packed
    assert len(bomb) < 1_000_000
    started = time.perf_counter()
    with pytest.raises(ValidationError) as info:
        open_workbook(bomb, max_rows=100, max_cols=10)
    assert time.perf_counter() - started < 2  # refused from the zip directory, not by unpacking
    assert "uitgepakt te groot" in info.value.messages[0]


def test_a_sheet_larger_than_the_template_is_refused_by_its_dimension():
    with pytest.raises(ValidationError) as info:
        open_workbook(_xlsx(rows=300, cols=4), max_rows=200, max_cols=8)
    assert "300 rijen × 4 kolommen" in info.value.messages[0]


def test_a_sheet_without_a_dimension_is_measured_while_streaming():
    bomb = _bomb(5_000)  # no <dimension> element
    with pytest.raises(ValidationError, match="te groot"):
        open_workbook(bomb, max_rows=1_000, max_cols=10)


def test_a_workbook_within_bounds_opens_read_only():
    workbook = open_workbook(_xlsx(rows=10, cols=5), max_rows=200, max_cols=8)
    assert workbook.read_only
    assert next(workbook.active.iter_rows(min_row=2, max_row=2, values_only=True))[:2] == (2, 4)

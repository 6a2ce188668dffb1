"""Uploaded documents and spreadsheets, checked by parsing them — never by their first bytes alone.

- ``document_type`` says what a file really is (PDF, XLSX, DOCX): a PDF must open in pypdf and have a page,
  an Office file must be a sane zip (declared unpacked size and packing ratio within bounds, no entry
  larger than allowed) whose main part parses. A file that starts with ``%PDF-`` and continues as HTML is
  not a PDF.
- ``open_workbook`` opens an Excel upload read-only after checking, before anything is unpacked, the
  declared size of its parts and each sheet's declared dimensions against what the caller expects; a zip
  bomb is refused without being read.

Messages are Dutch and name the problem; callers attach them to their form field.
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

# Unpacked size of all parts of an Office file, and the largest packing ratio accepted for a part.
MAX_UNPACKED_BYTES = 25 * 1024 * 1024
MAX_RATIO = 100
# Office parts below this size may have any ratio (a tiny XML part compresses well).
_RATIO_FLOOR = 64 * 1024

MSG_NOT_PDF = gettext_noop("Dit bestand is geen geldige PDF (het kan niet als PDF worden geopend).")
MSG_NOT_OFFICE = gettext_noop("Dit bestand is geen geldig %(kind)s-bestand.")
MSG_TOO_BIG_UNPACKED = gettext_noop(
    "Het bestand is uitgepakt te groot (%(size)s MB; maximaal %(max)s MB). Gebruik het sjabloon zonder extra "
    "gegevens."
)
MSG_TOO_MANY_CELLS = gettext_noop(
    "Het werkblad ‘%(sheet)s’ is te groot (%(rows)s rijen × %(cols)s kolommen; het sjabloon heeft er "
    "hoogstens %(max_rows)s × %(max_cols)s)."
)
MSG_TYPE = gettext_noop("Dit bestandstype is niet toegestaan (toegestaan: %(allowed)s).")

_KIND_LABEL = {"pdf": "PDF", "xlsx": "Excel (.xlsx)", "docx": "Word (.docx)"}
_DIMENSION = re.compile(rb'<dimension[^>]*\sref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _read_all(upload) -> bytes:
    if isinstance(upload, bytes | bytearray):
        return bytes(upload)
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters.decode():
        number = number * 26 + (ord(char) - 64)
    return number


def _checked_zip(data: bytes, *, kind: str, max_unpacked: int) -> zipfile.ZipFile:
    """A zip whose declared sizes are within bounds (nothing is unpacked to find out)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ValidationError(_(MSG_NOT_OFFICE) % {"kind": _KIND_LABEL[kind]}, code="file_type") from exc
    total = sum(info.file_size for info in infos)
    if total > max_unpacked:
        raise ValidationError(
            _(MSG_TOO_BIG_UNPACKED) % {"size": total // (1024 * 1024), "max": max_unpacked // (1024 * 1024)},
            code="too_large_unpacked",
        )
    for info in infos:
        if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ValidationError(
                _(MSG_TOO_BIG_UNPACKED)
                % {"size": total // (1024 * 1024) or 1, "max": max_unpacked // (1024 * 1024)},
                code="too_large_unpacked",
            )
    return archive


def _is_pdf(data: bytes) -> bool:
    if not data.startswith(b"%PDF-"):
        return False
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        return len(reader.pages) >= 1
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError):
        return False


def _office_kind(data: bytes, *, max_unpacked: int) -> str | None:
    if not data.startswith(b"PK\x03\x04"):
        return None
    names = set(_checked_zip(data, kind="xlsx", max_unpacked=max_unpacked).namelist())
    if "[Content_Types].xml" not in names:
        return None
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    return None


def _office_parses(data: bytes, *, kind: str, max_unpacked: int) -> bool:
    archive = _checked_zip(data, kind=kind, max_unpacked=max_unpacked)
    part = "xl/workbook.xml" if kind == "xlsx" else "word/document.xml"
    try:
        xml = archive.read(part)
        if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
            return False
        root = ElementTree.fromstring(xml)
    except (KeyError, ElementTree.ParseError, zipfile.BadZipFile, OSError):
        return False
    expected = "workbook" if kind == "xlsx" else "document"
    return root.tag.rsplit("}", 1)[-1] == expected


def document_type(upload, *, allowed=("pdf", "xlsx", "docx"), max_unpacked: int = MAX_UNPACKED_BYTES) -> str:
    """'pdf', 'xlsx' or 'docx' for a file that parses as that type; ValidationError otherwise."""
    data = _read_all(upload)
    labels = ", ".join(_KIND_LABEL[k] for k in allowed)
    if data.startswith(b"%PDF-"):
        if "pdf" not in allowed:
            raise ValidationError(_(MSG_TYPE) % {"allowed": labels}, code="file_type")
        if not _is_pdf(data):
            raise ValidationError(_(MSG_NOT_PDF), code="file_type")
        return "pdf"
    kind = _office_kind(data, max_unpacked=max_unpacked)
    if kind is None or kind not in allowed:
        raise ValidationError(_(MSG_TYPE) % {"allowed": labels}, code="file_type")
    if not _office_parses(data, kind=kind, max_unpacked=max_unpacked):
        raise ValidationError(_(MSG_NOT_OFFICE) % {"kind": _KIND_LABEL[kind]}, code="file_type")
    return kind


def open_workbook(
    data: bytes,
    *,
    max_rows: int,
    max_cols: int,
    max_unpacked: int = MAX_UNPACKED_BYTES,
    data_only: bool = True,
):
    """An openpyxl workbook opened read-only, after the declared sizes and dimensions were checked.

    Each sheet's ``<dimension ref="A1:H40">`` is read from the first bytes of its part (streamed, so a
    huge sheet is not unpacked); a sheet without one is measured by streaming its rows, stopping as soon
    as it exceeds the limits.
    """
    from openpyxl import load_workbook

    archive = _checked_zip(data, kind="xlsx", max_unpacked=max_unpacked)
    sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
    for name in sheets:
        with archive.open(name) as part:
            head = part.read(4096)
        match = _DIMENSION.search(head)
        if match and match.group(3):
            rows, cols = int(match.group(4)), _column_number(match.group(3))
            if rows > max_rows or cols > max_cols:
                raise ValidationError(
                    _(MSG_TOO_MANY_CELLS)
                    % {
                        "sheet": name.rsplit("/", 1)[-1].removesuffix(".xml"),
                        "rows": rows,
                        "cols": cols,
                        "max_rows": max_rows,
                        "max_cols": max_cols,
                    },
                    code="too_many_cells",
                )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ValidationError(_(MSG_NOT_OFFICE) % {"kind": _KIND_LABEL["xlsx"]}, code="file_type") from exc
    for sheet in workbook.worksheets:
        for row_number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            if row_number > max_rows or len(row) > max_cols:
                workbook.close()
                raise ValidationError(
                    _(MSG_TOO_MANY_CELLS)
                    % {
                        "sheet": sheet.title,
                        "rows": f"> {max_rows}" if row_number > max_rows else row_number,
                        "cols": len(row),
                        "max_rows": max_rows,
                        "max_cols": max_cols,
                    },
                    code="too_many_cells",
                )
    return workbook

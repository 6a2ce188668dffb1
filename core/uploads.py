"""Uploaded documents and spreadsheets, checked by parsing them — never by their first bytes alone.

- ``document_type`` says what a file really is (PDF, XLSX, DOCX): a PDF must open in pypdf and have a page,
  an Office file must be a sane zip (declared unpacked size and packing ratio within bounds, no entry
  larger than allowed) whose main part parses. A file that starts with ``%PDF-`` and continues as HTML is
  not a PDF.
- Images (PNG, JPEG) must be read by Pillow as that format.
- Whatever the type, a file whose first kilobyte carries HTML (``<html``, ``<script`` …) is refused: that is
  where a browser sniffs, so a PDF that is also a web page (a polyglot) never passes.
- ``served_type`` gives the media type and extension an upload is served with, from its content again.
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
MSG_HTML = gettext_noop(
    "Dit bestand bevat HTML of een script en wordt daarom geweigerd (ook als het als %(kind)s begint)."
)
MSG_NOT_IMAGE = gettext_noop("Dit bestand is geen geldige afbeelding (PNG of JPEG).")

_KIND_LABEL = {"pdf": "PDF", "xlsx": "Excel (.xlsx)", "docx": "Word (.docx)", "png": "PNG", "jpeg": "JPEG"}
MEDIA_TYPES = {
    "pdf": ("application/pdf", "pdf"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "png": ("image/png", "png"),
    "jpeg": ("image/jpeg", "jpg"),
}
_HTML_MARKERS = (b"<html", b"<script", b"<body", b"<!doctype html", b"<iframe", b"<svg", b"<head", b"<meta")
_SNIFF_BYTES = 1024
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


def _image_kind(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        kind, expected = "png", {"PNG"}
    elif data.startswith(b"\xff\xd8\xff"):
        kind, expected = "jpeg", {"JPEG", "MPO"}  # MPO: a camera's JPEG with a preview
    else:
        return None
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in expected:
                raise ValidationError(_(MSG_NOT_IMAGE), code="file_type")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError(_(MSG_NOT_IMAGE), code="file_type") from exc
    return kind


def _refuse_html(data: bytes, kind: str) -> None:
    head = data[:_SNIFF_BYTES].lower()
    if any(marker in head for marker in _HTML_MARKERS):
        raise ValidationError(_(MSG_HTML) % {"kind": _KIND_LABEL[kind]}, code="polyglot")


def document_type(upload, *, allowed=("pdf", "xlsx", "docx"), max_unpacked: int = MAX_UNPACKED_BYTES) -> str:
    """'pdf', 'xlsx', 'docx', 'png' or 'jpeg' (those in ``allowed``) for a file that parses as that type;
    ValidationError otherwise."""
    data = _read_all(upload)
    labels = ", ".join(_KIND_LABEL[k] for k in allowed)
    if data.startswith(b"%PDF-"):
        if "pdf" not in allowed:
            raise ValidationError(_(MSG_TYPE) % {"allowed": labels}, code="file_type")
        _refuse_html(data, "pdf")
        if not _is_pdf(data):
            raise ValidationError(_(MSG_NOT_PDF), code="file_type")
        return "pdf"
    image = _image_kind(data) if {"png", "jpeg"} & set(allowed) else None
    if image is not None:
        if image not in allowed:
            raise ValidationError(_(MSG_TYPE) % {"allowed": labels}, code="file_type")
        _refuse_html(data, image)
        return image
    kind = _office_kind(data, max_unpacked=max_unpacked)
    if kind is None or kind not in allowed:
        raise ValidationError(_(MSG_TYPE) % {"allowed": labels}, code="file_type")
    if not _office_parses(data, kind=kind, max_unpacked=max_unpacked):
        raise ValidationError(_(MSG_NOT_OFFICE) % {"kind": _KIND_LABEL[kind]}, code="file_type")
    return kind


MSG_TOO_LARGE = gettext_noop("Het bestand is groter dan %(max)s MB.")


def checked_upload(upload, *, field: str, allowed, max_bytes: int = 10 * 1024 * 1024) -> str:
    """``document_type`` for a service or form: size first, then the content; a refusal names ``field``."""
    size = getattr(upload, "size", None)
    if size is None:
        size = len(_read_all(upload))
    if size > max_bytes:
        raise ValidationError({field: [_(MSG_TOO_LARGE) % {"max": max_bytes // (1024 * 1024)}]})
    try:
        return document_type(upload, allowed=allowed)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None


def served_type(data: bytes, filename: str) -> tuple[str, str]:
    """(media type, file name) to serve an upload with: the type its content parses as, the name's
    extension made to match it. Content that is none of the known types (a file stored before uploads were
    checked) is served as ``application/octet-stream``."""
    try:
        kind = document_type(data, allowed=tuple(MEDIA_TYPES))
    except ValidationError:
        return "application/octet-stream", filename
    media_type, extension = MEDIA_TYPES[kind]
    _stem, dot, current = filename.rpartition(".")
    if not dot or current.lower() not in ({"jpg", "jpeg"} if kind == "jpeg" else {extension}):
        filename = f"{filename}.{extension}"
    return media_type, filename


def _sheet_titles(archive: zipfile.ZipFile) -> dict[str, str]:
    """{"xl/worksheets/sheet1.xml": "Rapportage", …}: the titles users know the sheets by."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError, zipfile.BadZipFile, OSError):
        return {}
    targets = {}
    for relation in relations:
        target = relation.get("Target", "")
        targets[relation.get("Id")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    titles = {}
    for element in workbook.iter():
        if element.tag.rsplit("}", 1)[-1] == "sheet":
            relation_id = next((v for k, v in element.attrib.items() if k.rsplit("}", 1)[-1] == "id"), None)
            if relation_id in targets:
                titles[targets[relation_id]] = element.get("name", "")
    return titles


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
    titles = _sheet_titles(archive)
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
                        "sheet": titles.get(name) or name.rsplit("/", 1)[-1].removesuffix(".xml"),
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

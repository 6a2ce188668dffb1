"""PDF building blocks (reportlab) for every document of every app.

Text from data is always escaped: reportlab's ``Paragraph`` reads a small HTML-like markup (``<a href>``,
``<img src>``, ``<font>``), so an organisation named ``<a href="https://evil.example">Betaal hier</a>`` would
become a link and a stray ``"><img …>`` would crash the build. Build paragraphs with ``p()`` / ``heading()``
(which escape) or ``markup()`` (which escapes every value put into a trusted template); a test refuses
``Paragraph(`` anywhere else. Table cells that are plain strings are drawn as text, never parsed.
Images come only from the project's own static files. Amounts, percentages and dates use core.formats.
"""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from . import formats

__all__ = [
    "BODY",
    "BRAND",
    "HEADING",
    "SMALL",
    "TITLE",
    "bar_chart",
    "build",
    "date",
    "eur",
    "heading",
    "image",
    "line_chart",
    "markup",
    "merge",
    "number",
    "p",
    "page_count",
    "percent",
    "safe",
    "spacer",
    "table",
    "uploaded_image",
]

BRAND = colors.HexColor("#0b5563")
SERIES_COLOURS = [BRAND, colors.HexColor("#c8553d"), colors.HexColor("#588b8b"), colors.HexColor("#f2a541")]
STYLES = getSampleStyleSheet()
TITLE = ParagraphStyle(
    "title", parent=STYLES["Title"], textColor=BRAND, alignment=0, fontSize=18, spaceAfter=4 * mm
)
HEADING = ParagraphStyle("heading", parent=STYLES["Heading2"], textColor=BRAND, spaceBefore=5 * mm)
BODY = STYLES["BodyText"]
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8, textColor=colors.grey)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=8.5, leading=10.5)


def safe(text) -> str:
    """Text from data, escaped for reportlab's markup; line breaks kept."""
    return escape("" if text is None else str(text)).replace("\n", "<br/>")


def p(text, style: ParagraphStyle = BODY, *, empty: str = "—") -> Paragraph:
    """A paragraph of plain text (escaped). Empty text shows ``empty``."""
    value = "" if text is None else str(text)
    return Paragraph(safe(value) if value.strip() else safe(empty), style)


def heading(text) -> Paragraph:
    return p(text, HEADING)


def markup(template: str, style: ParagraphStyle = BODY, **values) -> Paragraph:
    """A paragraph from a trusted template with markup (``<b>%(name)s</b>``) and escaped values."""
    return Paragraph(template % {key: safe(value) for key, value in values.items()}, style)


def spacer(height_mm: float = 4) -> Spacer:
    return Spacer(1, height_mm * mm)


def eur(value) -> str:
    """Amounts in a PDF: the same format as on the pages, in the document's language (Dutch)."""
    return formats.format_eur(value, language="nl")


def percent(fraction, places: int | None = None) -> str:
    return formats.format_percent(fraction, places, language="nl")


def number(value, places: int | None = None) -> str:
    return formats.format_number(value, places, language="nl")


def date(value) -> str:
    return formats.format_date(value, language="nl")


def table(
    rows: list[list],
    *,
    header: bool = True,
    money_columns: tuple[int, ...] = (),
    widths=None,
    wrap: bool = False,
) -> Table:
    """A table; string cells are drawn as text (never parsed as markup). ``wrap`` turns string cells into
    escaped paragraphs so long text wraps within the column."""
    if wrap:
        rows = [[p(cell, CELL, empty="") if isinstance(cell, str) else cell for cell in row] for row in rows]
    t = Table(rows, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    style = [
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("ROWBACKGROUNDS", (0, 1 if header else 0), (-1, -1), [colors.white, colors.HexColor("#f3f6f7")]),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header:
        style += [("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"), ("LINEBELOW", (0, 0), (-1, 0), 0.6, BRAND)]
    style += [("ALIGN", (column, 0), (column, -1), "RIGHT") for column in money_columns]
    t.setStyle(TableStyle(style))
    return t


def image(relative_path: str, *, width_mm: float, height_mm: float) -> Image:
    """An image from the project's own static files only (never a path or URL from data)."""
    root = (Path(settings.BASE_DIR) / "static").resolve()
    path = (root / relative_path).resolve()
    if root not in path.parents or not path.is_file():
        raise ValueError(f"not one of the project's static images: {relative_path}")
    return Image(str(path), width=width_mm * mm, height=height_mm * mm)


def uploaded_image(content: bytes, *, max_width_mm: float, max_height_mm: float) -> Image:
    """An uploaded photo, decoded and re-encoded as PNG by Pillow (so only pixels reach the PDF), scaled to
    fit the box with its proportions kept. Raises ``ValueError`` when the bytes are not an image."""
    from PIL import Image as PILImage
    from PIL import UnidentifiedImageError

    try:
        with PILImage.open(BytesIO(content)) as source:
            source.load()
            picture = source.convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError("not an image") from exc
    picture.thumbnail((1600, 1600))
    clean = BytesIO()
    picture.save(clean, format="PNG")
    clean.seek(0)
    scale = min(max_width_mm / picture.width, max_height_mm / picture.height)
    return Image(clean, width=picture.width * scale * mm, height=picture.height * scale * mm)


def _chart(chart, *, categories: list[str], series: dict[str, list], width_mm: float, height_mm: float):
    """Lay out a reportlab chart with Dutch axis labels and a legend; returns the drawing and the chart."""
    drawing = Drawing(width_mm * mm, height_mm * mm)
    chart.x, chart.y = 12 * mm, 10 * mm
    chart.width, chart.height = (width_mm - 50) * mm, (height_mm - 16) * mm
    chart.data = [[float(v or 0) for v in values] for values in series.values()]  # drawing coordinates only
    chart.categoryAxis.categoryNames = [str(c) for c in categories]
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = _axis_label
    drawing.add(chart)
    drawing.add(_legend(series, x=(width_mm - 35) * mm, y=(height_mm - 8) * mm))
    return drawing


def bar_chart(
    *, categories: list[str], series: dict[str, list], width_mm: float = 160, height_mm: float = 60
) -> Drawing:
    """Grouped bars, one colour per series (values as Decimal or int; drawn, not stored)."""
    chart = VerticalBarChart()
    for index in range(len(series)):
        chart.bars[index].fillColor = SERIES_COLOURS[index % len(SERIES_COLOURS)]
    return _chart(chart, categories=categories, series=series, width_mm=width_mm, height_mm=height_mm)


def line_chart(
    *, categories: list[str], series: dict[str, list], width_mm: float = 160, height_mm: float = 60
) -> Drawing:
    """One line per series (values as Decimal or int; drawn, not stored)."""
    chart = HorizontalLineChart()
    for index in range(len(series)):
        chart.lines[index].strokeColor = SERIES_COLOURS[index % len(SERIES_COLOURS)]
    return _chart(chart, categories=categories, series=series, width_mm=width_mm, height_mm=height_mm)


def _axis_label(value) -> str:
    return formats.format_number(Decimal(repr(value)), language="nl")


def _legend(series: dict, *, x: float, y: float) -> Legend:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontSize = 7
    legend.alignment = "right"
    legend.colorNamePairs = [
        (SERIES_COLOURS[i % len(SERIES_COLOURS)], str(name)) for i, name in enumerate(series.keys())
    ]
    return legend


PAGE_OF = {"nl": "pagina %(page)s van %(total)s", "en": "page %(page)s of %(total)s"}
GENERATED = {"nl": "gegenereerd", "en": "generated"}


def _numbered_canvas(footer_left: str, language: str = "nl", *, page_offset: int = 0, pages_after: int = 0):
    """A canvas that knows the page count, for "pagina 2 van 5" in every footer. A part of a document that
    is merged with others (``merge``) counts from ``page_offset + 1``; ``pages_after`` adds to the total."""
    page_of = PAGE_OF.get(language, PAGE_OF["nl"])

    class NumberedCanvas(pdfcanvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = page_offset + len(self._pages) + pages_after
            for state in self._pages:
                self.__dict__.update(state)
                self.saveState()
                self.setFont("Helvetica", 7.5)
                self.setFillColor(colors.grey)
                self.drawString(18 * mm, 10 * mm, footer_left)
                self.drawRightString(
                    A4[0] - 18 * mm,
                    10 * mm,
                    page_of % {"page": page_offset + self._pageNumber, "total": total},
                )
                self.restoreState()
                super().showPage()
            super().save()

    return NumberedCanvas


def build(
    *,
    title: str,
    subtitle: str = "",
    story: list,
    author: str = "Impactfonds",
    generated_at=None,
    header: str = "",
    language: str = "nl",
    first_page=None,
    page_offset: int = 0,
    pages_after: int = 0,
) -> bytes:
    """Render a document: escaped title and subtitle, a running footer (title, generation time in
    Europe/Amsterdam, "pagina x van y"; English words with ``language="en"``). Pass ``generated_at`` to make
    the bytes reproducible; ``first_page(canvas)`` may draw on the first page (a logo).

    For a part of a document that ``merge`` puts together: ``page_offset`` pages come before this part
    (it then starts without the title block) and ``pages_after`` pages follow it, for the page numbers."""
    buffer = BytesIO()
    generated = formats.format_datetime(generated_at or formats.local_now(), language=language)
    footer_left = f"{title} — {GENERATED.get(language, GENERATED['nl'])} {generated}"

    def page_header(canvas, doc):
        if header:
            canvas.saveState()
            canvas.setFont("Helvetica", 7.5)
            canvas.setFillColor(BRAND)
            canvas.drawString(18 * mm, A4[1] - 11 * mm, header)
            canvas.restoreState()

    def on_first_page(canvas, doc):
        page_header(canvas, doc)
        if first_page is not None:
            canvas.saveState()
            first_page(canvas)
            canvas.restoreState()

    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=author,
        lang="en-GB" if language == "en" else "nl-NL",
        invariant=generated_at is not None,
    )
    head = []
    if not page_offset:
        head = [p(title, TITLE)]
        if subtitle:
            head.append(p(subtitle, SMALL))
        head.append(spacer())
    doc.build(
        [*head, *story],
        onFirstPage=on_first_page,
        onLaterPages=page_header,
        canvasmaker=_numbered_canvas(footer_left, language, page_offset=page_offset, pages_after=pages_after),
    )
    return buffer.getvalue()


def page_count(content: bytes) -> int:
    """The number of pages of a PDF."""
    from pypdf import PdfReader

    return len(PdfReader(BytesIO(content)).pages)


def merge(parts: list[bytes], *, title: str, author: str = "Impactfonds", language: str = "nl") -> bytes:
    """One PDF of the pages of ``parts`` in order (parts built with ``build(page_offset=…, pages_after=…)``
    so the page numbers run on). The same parts give the same bytes: the file identifier is their hash."""
    import hashlib

    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, ByteStringObject, NameObject, TextStringObject

    digest = hashlib.sha256(b"".join(hashlib.sha256(part).digest() for part in parts)).digest()[:16]

    class _Writer(PdfWriter):
        def generate_file_identifiers(self) -> None:
            self._ID = ArrayObject((ByteStringObject(digest), ByteStringObject(digest)))

    writer = _Writer()
    for part in parts:
        writer.append(PdfReader(BytesIO(part)))
    writer.add_metadata({"/Title": title, "/Author": author, "/Producer": "Impactfonds (reportlab, pypdf)"})
    writer._root_object[NameObject("/Lang")] = TextStringObject("en-GB" if language == "en" else "nl-NL")
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def one_page_pdf(text: str) -> bytes:
    """A small, real one-page PDF showing ``text`` (the same bytes every time): stands in for an uploaded
    document (a signed contract, a payslip) in demo data and tests, where uploads are checked by parsing."""
    buffer = BytesIO()
    page = pdfcanvas.Canvas(buffer, pagesize=A4, invariant=1)
    page.setTitle(text)
    page.setFont("Helvetica", 12)
    page.drawString(25 * mm, A4[1] - 30 * mm, text)
    page.showPage()
    page.save()
    return buffer.getvalue()

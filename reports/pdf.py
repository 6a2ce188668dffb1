"""PDF building blocks (reportlab) shared by every report: Dutch page layout, tables, euro amounts."""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from fund.templatetags.money import format_eur

BRAND = colors.HexColor("#0b5563")
STYLES = getSampleStyleSheet()
TITLE = ParagraphStyle(
    "title", parent=STYLES["Title"], textColor=BRAND, alignment=0, fontSize=18, spaceAfter=4 * mm
)
HEADING = ParagraphStyle("heading", parent=STYLES["Heading2"], textColor=BRAND, spaceBefore=5 * mm)
BODY = STYLES["BodyText"]
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8, textColor=colors.grey)


def eur(value) -> str:
    return format_eur(value, language="nl")


def table(
    rows: list[list], *, header: bool = True, money_columns: tuple[int, ...] = (), widths=None
) -> Table:
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


def build(*, title: str, subtitle: str, story: list, author: str = "Impactfonds") -> bytes:
    """Render a document with a running footer (title, generation time, page number)."""
    buffer = BytesIO()
    generated = timezone.localtime().strftime("%d-%m-%Y %H:%M")

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(colors.grey)
        canvas.drawString(18 * mm, 10 * mm, f"{title} — gegenereerd {generated}")
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"pagina {doc.page}")
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
        lang="nl-NL",
    )
    doc.build(
        [Paragraph(title, TITLE), Paragraph(subtitle, SMALL), Spacer(1, 4 * mm), *story],
        onFirstPage=footer,
        onLaterPages=footer,
    )
    return buffer.getvalue()

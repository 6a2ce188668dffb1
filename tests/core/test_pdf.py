"""Text from data is text in every PDF: no markup, no links, no crash."""

import io

import pytest
from pypdf import PdfReader

from core import pdf

NASTY = ['"><img src=x onerror=alert(1)>', '<a href="https://evil.example">Betaal hier</a>', "A & B <b>"]


def _read(content: bytes) -> tuple[str, list]:
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    links = [annot for page in reader.pages for annot in (page.get("/Annots") or [])]
    return text, links


@pytest.mark.parametrize("name", NASTY)
def test_data_in_titles_paragraphs_and_tables_is_escaped(name):
    content = pdf.build(
        title=f"Overzicht {name}",
        subtitle=name,
        story=[
            pdf.p(name),
            pdf.heading(name),
            pdf.markup("<b>Onderneming:</b> %(name)s", name=name),
            pdf.table([["Naam", "Bedrag"], [name, pdf.eur(5)]], wrap=True),
        ],
    )
    text, links = _read(content)
    assert text.count(name) >= 4
    assert links == []


def test_footer_has_amsterdam_time_and_page_numbers():
    import datetime
    from zoneinfo import ZoneInfo

    content = pdf.build(
        title="T",
        story=[pdf.p(f"regel {i}") for i in range(200)],
        generated_at=datetime.datetime(2026, 11, 28, 6, 22, tzinfo=ZoneInfo("UTC")),
    )
    text, _links = _read(content)
    assert "gegenereerd 28-11-2026 07:22" in text
    assert "pagina 1 van " in text and "pagina 2 van " in text


def test_a_fixed_generation_time_gives_the_same_bytes():
    import datetime
    from zoneinfo import ZoneInfo

    at = datetime.datetime(2026, 11, 28, 6, 22, tzinfo=ZoneInfo("UTC"))
    assert pdf.build(title="T", story=[pdf.p("x")], generated_at=at) == pdf.build(
        title="T", story=[pdf.p("x")], generated_at=at
    )


def test_images_only_from_the_projects_static_files():
    with pytest.raises(ValueError):
        pdf.image("../../etc/passwd", width_mm=10, height_mm=10)
    with pytest.raises(ValueError):
        pdf.image("/etc/hostname", width_mm=10, height_mm=10)


def test_charts_render():
    content = pdf.build(
        title="Grafiek",
        story=[
            pdf.bar_chart(categories=["2026-Q1", "2026-Q2"], series={"Banen": [3, 5], "Doel": [4, 4]}),
            pdf.line_chart(categories=["2026-Q1", "2026-Q2"], series={"Banen": [3, 5]}),
        ],
    )
    text, _ = _read(content)
    assert "2026-Q1" in text

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from djmoney.money import Money

from core.exports import csv_bytes, excel_value


def test_dutch_csv():
    content = csv_bytes(
        header=["Naam", "Bedrag", "Datum", "Tijd"],
        rows=[
            [
                "Onderneming; B.V.",
                Decimal("2172.57"),
                datetime.date(2026, 3, 5),
                datetime.datetime(2026, 11, 28, 6, 22, tzinfo=ZoneInfo("UTC")),
            ],
            ["Ander", Money("-1234.5", "EUR"), None, None],
        ],
    )
    text = content.decode("utf-8")
    assert text.startswith("\ufeffNaam;Bedrag;Datum;Tijd\r\n")
    assert '"Onderneming; B.V.";2172,57;05-03-2026;28-11-2026 07:22\r\n' in text
    assert "Ander;-1234,50;;\r\n" in text


def test_excel_timestamps_are_amsterdam_wall_time():
    value = excel_value(datetime.datetime(2026, 7, 1, 22, 30, tzinfo=ZoneInfo("UTC")))
    assert value == datetime.datetime(2026, 7, 2, 0, 30)  # noqa: DTZ001

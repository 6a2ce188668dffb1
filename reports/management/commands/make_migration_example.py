"""Write the example workbook for moving a fund in: reports/demo_data/migratie-voorbeeld.xlsx."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from reports.fundimport_example import example_workbook

TARGET = Path(__file__).resolve().parents[2] / "demo_data" / "migratie-voorbeeld.xlsx"


class Command(BaseCommand):
    help = "Schrijft de voorbeeldwerkmap voor het overzetten van een fonds (reconcilieert tot op de cent)."

    def handle(self, *args, **options) -> None:
        TARGET.write_bytes(example_workbook())
        self.stdout.write(f"{TARGET}")

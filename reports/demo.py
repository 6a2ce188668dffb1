"""Demo quarterly report of SIF Zuid-Kennemerland en IJmond: the fund manager's letter and the enterprise in
the spotlight (with a photo) for the last full quarter, that quarter closed, the batch generated and
published. Runs after the investors, portfolio, impact and outcomes demos (load_demo's hook order).
Idempotent: a published batch for the quarter is left as it is."""

from __future__ import annotations

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile

from core.formats import local_today
from fund.models import Enterprise, Fund, Membership, Role

from . import services
from .models import BatchStatus, ItemStatus, ReportBatch
from .quarters import last_full_quarter

FUND_CODE = "SIF-ZKIJ"
SPOTLIGHT_KVK = "90210001"  # Fietsfabriek Spaarne B.V.

LETTER = (
    "Geachte investeerder,\n\n"
    "Het afgelopen kwartaal was voor het fonds een kwartaal van doorgroei. De eerste ondernemingen "
    "die we twee jaar geleden financierden, lossen af volgens schema; dat geld zetten we opnieuw in. "
    "Tegelijk zien we bij enkele ondernemingen in de horeca dat de kosten van energie en personeel "
    "drukken op de marge. Met hen hebben we afspraken gemaakt over een tijdelijk lagere aflossing; de"
    " voorziening daarvoor staat in deze cijfers.\n\n"
    "De impact groeit mee. Samen boden de gefinancierde ondernemingen dit kwartaal werk aan mensen "
    "met een afstand tot de arbeidsmarkt, en via de resultaatfinanciering met de gemeente Haarlem "
    "zijn de eerste resultaten geverifieerd en betaald. In deze rapportage leest u uw eigen "
    "kapitaalrekening, het rendement sinds de start en hoe de portefeuille en de impact zich "
    "ontwikkelen.\n\n"
    "Dank voor uw vertrouwen. Heeft u vragen over deze rapportage, neem dan gerust contact met ons "
    "op."
)

SPOTLIGHT = (
    "Fietsfabriek Spaarne leidt in Haarlem mensen uit de bijstand op tot fietstechnicus. In de "
    "werkplaats aan de Oudeweg werken leerlingen onder begeleiding van twee vakmensen aan "
    "huurfietsen, bedrijfsfietsen en fietsen van buurtbewoners.\n\n"
    "Met de lening van het fonds kocht de onderneming een tweede werkplaats en gereedschap voor "
    "elektrische fietsen. Daardoor kunnen er dit jaar acht leerlingen meer starten. De gemeente "
    "Haarlem betaalt via resultaatfinanciering voor elke deelnemer die duurzaam uitstroomt naar "
    "betaald werk."
)


def _demo_photo() -> SimpleUploadedFile:
    """A small illustration (a workshop with two bicycle wheels), drawn here: the demo ships no photos."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (900, 560), (226, 236, 238))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 400, 900, 560), fill=(120, 128, 120))
    draw.rectangle((60, 80, 840, 400), fill=(245, 241, 232))
    draw.rectangle((100, 120, 380, 300), fill=(11, 85, 99))
    draw.text((120, 140), "FIETSFABRIEK SPAARNE", fill=(255, 255, 255))
    for cx in (520, 720):
        draw.ellipse((cx - 90, 240, cx + 90, 420), outline=(40, 40, 40), width=10)
        draw.ellipse((cx - 10, 320, cx + 10, 340), fill=(40, 40, 40))
    draw.line((520, 330, 620, 260, 720, 330), fill=(200, 85, 61), width=12)
    draw.line((620, 260, 600, 220), fill=(40, 40, 40), width=8)
    buffer = BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return SimpleUploadedFile("werkplaats.jpg", buffer.getvalue(), content_type="image/jpeg")


def load() -> list:
    fund = Fund.objects.filter(code=FUND_CODE).first()
    if fund is None or not fund.commitments.exists():
        return []
    quarter = last_full_quarter(local_today())
    if ReportBatch.objects.filter(fund=fund, quarter=quarter, status=BatchStatus.PUBLISHED).exists():
        return []
    manager = (
        Membership.objects.filter(role=Role.FUND_MANAGER, fund=fund, is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    actor = manager.user if manager else None
    services.letter_save(fund=fund, quarter=quarter, text=LETTER, actor=actor)
    enterprise = Enterprise.objects.filter(organisation__kvk_number=SPOTLIGHT_KVK).first()
    if enterprise is not None and enterprise.fund_relations.filter(fund=fund).exists():
        services.spotlight_save(
            fund=fund,
            quarter=quarter,
            enterprise=enterprise,
            text=SPOTLIGHT,
            photo=_demo_photo(),
            photo_caption="Werkplaats van Fietsfabriek Spaarne (illustratie)",
            actor=actor,
        )
    if not services.quarter_is_closed(fund=fund, quarter=quarter):
        services.quarter_close(fund=fund, quarter=quarter, actor=actor)
    batch = ReportBatch.objects.filter(fund=fund, quarter=quarter).first()
    if batch is None:
        batch = services.batch_start(fund=fund, quarter=quarter, actor=actor)
    # load_demo runs in one transaction, so the tasks queued on commit would run after this function: make
    # the documents here (a task delivered later finds its item done and does nothing).
    for item in batch.items.filter(status=ItemStatus.QUEUED):
        services.batch_item_generate(item_id=item.pk)
    batch.refresh_from_db()
    if batch.status == BatchStatus.DONE:
        services.batch_publish(batch=batch, actor=actor)
    return []

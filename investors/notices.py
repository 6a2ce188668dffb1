"""Call and distribution notices: one PDF per investor, stored once with core.documents, and an e-mail.

A notice is built with core.pdf (every string from data escaped) with the notice date as its generation
time, so building it again gives the same bytes and the same stored version. The e-mail to the investor's
users holds a link to the stored document (`/documents/<pk>/`, which checks who may download it), never the
file. The subject of a notice is the investor's own line, so only the fund's staff and that investor's users
can download it.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from core import pdf
from core.documents import document_store, document_url, register_document_kind
from core.models import StoredDocument
from fund.audit import audit_record
from fund.models import Membership, Role, User

from .models import CapitalCallLine, DistributionLine

CALL_NOTICE = "investors.call_notice"
DISTRIBUTION_NOTICE = "investors.distribution_notice"


def can_view_call_notice(user, line) -> bool:
    from .selectors import call_lines_for

    return isinstance(line, CapitalCallLine) and call_lines_for(user).filter(pk=line.pk).exists()


def can_view_distribution_notice(user, line) -> bool:
    from .selectors import distribution_lines_for

    return isinstance(line, DistributionLine) and distribution_lines_for(user).filter(pk=line.pk).exists()


def register() -> None:
    register_document_kind(CALL_NOTICE, label=gettext_lazy("Kapitaaloproep"), can_view=can_view_call_notice)
    register_document_kind(
        DISTRIBUTION_NOTICE, label=gettext_lazy("Uitkeringsbericht"), can_view=can_view_distribution_notice
    )


def _generated_at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _addressee(commitment) -> list:
    organisation = commitment.investor.organisation
    return [
        pdf.table(
            [
                ["Investeerder", organisation.name],
                ["Fonds", commitment.fund.name],
                ["Toezegging", pdf.eur(commitment.amount)],
            ],
            header=False,
        )
    ]


def call_notice_pdf(*, line: CapitalCallLine) -> bytes:
    call = line.call
    purpose = call.get_purpose_display() + (f" — {call.purpose_text}" if call.purpose_text else "")
    story = [
        *_addressee(line.commitment),
        pdf.heading("Oproep tot storting"),
        pdf.table(
            [
                ["Oproep", f"{call.fund.code} nr. {call.number}"],
                ["Datum oproep", pdf.date(call.notice_date)],
                ["Doel", purpose],
                ["Totaal van de oproep (alle investeerders)", pdf.eur(call.amount)],
                ["Uw deel (naar rato van uw toezegging)", pdf.eur(line.amount)],
                ["Uiterlijk te storten op", pdf.date(call.due_date)],
            ],
            header=False,
            money_columns=(),
            wrap=True,
        ),
        pdf.spacer(),
        pdf.p(
            f"Wij verzoeken u {pdf.eur(line.amount)} uiterlijk {pdf.date(call.due_date)} over te maken "
            f"onder vermelding van '{call.fund.code} oproep {call.number}'."
        ),
    ]
    return pdf.build(
        title=f"Kapitaaloproep {call.fund.code} nr. {call.number}",
        subtitle=line.commitment.investor.organisation.name,
        story=story,
        generated_at=_generated_at(call.notice_date),
    )


def distribution_notice_pdf(*, line: DistributionLine) -> bytes:
    distribution = line.distribution
    story = [
        *_addressee(line.commitment),
        pdf.heading("Uitkering"),
        pdf.table(
            [
                ["Uitkering", f"{distribution.fund.code} nr. {distribution.number}"],
                ["Datum", pdf.date(distribution.date)],
                ["Soort", distribution.get_kind_display()],
                ["Opnieuw opvraagbaar", "ja" if distribution.recallable else "nee"],
                ["Verdeling", distribution.get_allocation_display()],
                ["Totaal van de uitkering (alle investeerders)", pdf.eur(distribution.amount)],
                ["Uw deel", pdf.eur(line.amount)],
            ],
            header=False,
            wrap=True,
        ),
    ]
    if distribution.description:
        story += [pdf.spacer(), pdf.p(distribution.description)]
    if distribution.recallable:
        story += [
            pdf.spacer(),
            pdf.p(
                "Dit bedrag komt terug in het niet-gestorte deel van uw toezegging; "
                "het kan opnieuw worden opgevraagd."
            ),
        ]
    return pdf.build(
        title=f"Uitkeringsbericht {distribution.fund.code} nr. {distribution.number}",
        subtitle=line.commitment.investor.organisation.name,
        story=story,
        generated_at=_generated_at(distribution.date),
    )


def _investor_emails(commitment) -> list[str]:
    return sorted(
        set(
            Membership.objects.filter(
                role=Role.INVESTOR,
                organisation_id=commitment.investor.organisation_id,
                is_active=True,
                user__is_active=True,
            ).values_list("user__email", flat=True)
        )
    )


def _mail(*, recipients: list[str], subject: str, body: str) -> None:
    if recipients:
        transaction.on_commit(
            lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)
        )


def _store_and_mail(*, actor, kind, line, content: bytes, filename: str, subject: str, what: str):
    document = document_store(
        kind=kind, subject=line, content=content, filename=filename, actor=actor, media_type="application/pdf"
    )
    audit_record(
        actor=actor,
        obj=line,
        action=f"{kind.split('.')[-1]}_stored",
        data={"version": document.version, "sha256": document.sha256},
    )
    body = (
        f"Geachte heer, mevrouw,\n\n{what}\n\nU vindt het bericht in Impactfonds (na inloggen):\n"
        f"{document_url(document)}\n\nMet vriendelijke groet,\n{line.commitment.fund.name}\n"
    )
    _mail(recipients=_investor_emails(line.commitment), subject=subject, body=body)
    return document


def call_notice_send(*, actor: User | None, line: CapitalCallLine) -> StoredDocument:
    """Store the investor's call notice (once) and e-mail its users a link."""
    call = line.call
    return _store_and_mail(
        actor=actor,
        kind=CALL_NOTICE,
        line=line,
        content=call_notice_pdf(line=line),
        filename=f"kapitaaloproep-{call.fund.code}-{call.number}-{line.commitment_id}.pdf",
        subject=f"Kapitaaloproep {call.fund.code} nr. {call.number}",
        what=(
            f"{call.fund.name} roept {pdf.eur(line.amount)} van uw toezegging op, "
            f"te storten uiterlijk {pdf.date(call.due_date)}."
        ),
    )


def distribution_notice_send(*, actor: User | None, line: DistributionLine) -> StoredDocument:
    """Store the investor's distribution notice (once) and e-mail its users a link."""
    distribution = line.distribution
    return _store_and_mail(
        actor=actor,
        kind=DISTRIBUTION_NOTICE,
        line=line,
        content=distribution_notice_pdf(line=line),
        filename=f"uitkering-{distribution.fund.code}-{distribution.number}-{line.commitment_id}.pdf",
        subject=f"Uitkering {distribution.fund.code} nr. {distribution.number}",
        what=(
            f"{distribution.fund.name} keert u {pdf.eur(line.amount)} uit "
            f"({distribution.get_kind_display().lower()})."
        ),
    )

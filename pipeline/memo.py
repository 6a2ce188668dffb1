"""Investment memo (investeringsmemo) for the committee, in Dutch: summary, enterprise, request, checks,
financial analysis with the projected schedule, impact assessment, risks and proposed terms."""

from __future__ import annotations

from decimal import Decimal

from reportlab.lib.units import mm

from core.formats import format_pct
from core.pdf import SMALL, build, date, eur, heading, number, p, table
from portfolio.schedules import ScheduleError

from . import analysis
from .eligibility import CHECK_LABELS
from .models import IMPACT_DIMENSIONS, Application, Assessment, ProposedTerms
from .services import latest_checks

DIMENSION_NAMES = {
    "what": "Wat (welke verandering)",
    "who": "Wie (doelgroep)",
    "how_much": "Hoeveel (schaal, diepte, duur)",
    "contribution": "Bijdrage (wat zonder ons)",
    "risk": "Impactrisico",
}
OUTCOME_NL = {"pass": "voldoet", "warning": "let op", "fail": "voldoet niet"}


def _num(value: Decimal | None) -> str:
    return "n.v.t." if value is None else number(value, 2)


def _pct(value: Decimal) -> str:
    """A rate that is already in percent (4.5 → "4,5 %")."""
    return format_pct(value, language="nl")


def memo_pdf(*, application: Application, version: int, generated_at=None) -> bytes:
    """The memo as PDF bytes; every text from data is escaped (core.pdf), amounts and dates in Dutch."""
    enterprise = application.enterprise
    organisation = enterprise.organisation
    try:
        terms = application.terms
    except ProposedTerms.DoesNotExist:
        terms = None
    try:
        assessment = application.assessment
    except Assessment.DoesNotExist:
        assessment = None
    amount = eur(application.requested_amount) if application.requested_amount else "—"
    story = [
        heading("Samenvatting"),
        p(
            f"{organisation.name} vraagt {amount} ({application.get_instrument_display() or '—'}, "
            f"{application.term_months or '—'} maanden) aan {application.fund.name}. "
            f"Doel: {application.purpose}"
        ),
    ]
    if assessment and assessment.risk_rating:
        story.append(p(f"Risicoklasse: {assessment.risk_rating}."))
    if terms:
        story.append(
            p(
                f"Voorstel: {eur(terms.amount)} {terms.get_instrument_display().lower()} "
                f"tegen {_pct(terms.interest_rate)} "
                f"over {terms.term_months} maanden."
            )
        )
    story += [
        heading("Onderneming"),
        table(
            [
                ["Naam", organisation.name],
                ["KvK-nummer", organisation.kvk_number or "—"],
                ["Rechtsvorm", enterprise.get_legal_form_display()],
                ["Vestigingsgemeente", str(organisation.municipality or "—")],
                ["Keurmerken", ", ".join(str(label) for label in enterprise.labels.all()) or "geen"],
                ["Missie", p(enterprise.mission)],
            ],
            header=False,
            widths=[45 * mm, 125 * mm],
        ),
        heading("Aanvraag"),
        table(
            [
                ["Gevraagd bedrag", amount],
                ["Instrument", application.get_instrument_display() or "—"],
                [
                    "Looptijd",
                    f"{application.term_months or '—'} maanden, {application.grace_months} aflossingsvrij",
                ],
                ["Thema's", ", ".join(t.name for t in application.themes.all()) or "—"],
                ["Doel", p(application.purpose)],
                ["Besteding", p(application.use_of_funds)],
                ["Doelgroep", p(application.target_group)],
                ["Verwachte verandering", p(application.expected_change)],
                ["Meting", p(application.measurement)],
                [
                    "Verwezen via",
                    " ".join(
                        filter(
                            None,
                            [
                                application.get_referral_source_display(),
                                str(application.referral_partner or ""),
                            ],
                        )
                    ),
                ],
            ],
            header=False,
            widths=[45 * mm, 125 * mm],
        ),
        heading("Toetsing aan het fondsbeleid"),
    ]
    checks = latest_checks(application)
    overrides = {o.code: o.reason for o in application.eligibility_overrides.all()}
    if checks:
        rows = [["Toets", "Uitkomst", "Toelichting"]]
        for check in checks:
            outcome = OUTCOME_NL.get(check.outcome, check.outcome)
            if check.code in overrides:
                outcome += " (afwijking toegestaan)"
            reason = check.reason + (
                f" Afwijking toegestaan: {overrides[check.code]}" if check.code in overrides else ""
            )
            rows.append([p(CHECK_LABELS.get(check.code, check.code)), outcome, p(reason)])
        story.append(table(rows, widths=[50 * mm, 25 * mm, 95 * mm]))
    else:
        story.append(p("Nog niet getoetst."))

    story.append(heading("Financiële analyse"))
    years = list(application.financials.all())
    if years:
        rows = [["Jaar", "Omzet", "EBITDA", "Resultaat", "Balanstotaal", "Eigen verm.", "Schulden"]]
        rows += [
            [
                f"{y.year}{' (P)' if y.is_forecast else ''}",
                *[
                    eur(getattr(y, f)) if getattr(y, f) is not None else "—"
                    for f in ("revenue", "ebitda", "net_result", "total_assets", "equity", "debt")
                ],
            ]
            for y in years
        ]
        story.append(table(rows, money_columns=(1, 2, 3, 4, 5, 6)))
    ratios = analysis.financial_analysis(application)
    story.append(
        table(
            [["Kengetal", "Waarde", "Toelichting"]]
            + [[p(r.label), _num(r.value), p(r.reason or "")] for r in ratios],
            widths=[80 * mm, 25 * mm, 65 * mm],
        )
    )
    if terms:
        try:
            rows = analysis.projected_schedule(terms)
        except ScheduleError as exc:
            rows = []
            story.append(p(f"Geen aflosschema: {exc}"))
        if rows:
            story.append(heading("Geprojecteerd aflosschema (eerste 12 termijnen)"))
            schedule = [["#", "Vervaldatum", "Aflossing", "Rente", "Termijnbedrag", "Restschuld"]]
            schedule += [
                [
                    row.number,
                    date(row.due_date),
                    eur(row.principal),
                    eur(row.interest),
                    eur(row.payment),
                    eur(row.balance),
                ]
                for row in rows[:12]
            ]
            story.append(table(schedule, money_columns=(2, 3, 4, 5)))
            total_interest = sum((row.interest for row in rows), Decimal("0.00"))
            story.append(p(f"{len(rows)} termijnen; totale rente {eur(total_interest)}.", SMALL))

    story.append(heading("Impactbeoordeling (vijf dimensies)"))
    if assessment:
        rows = [["Dimensie", "Score (1–5)", "Onderbouwing"]]
        rows += [
            [
                DIMENSION_NAMES[d],
                str(getattr(assessment, f"{d}_score") or "—"),
                p(getattr(assessment, f"{d}_rationale")),
            ]
            for d in IMPACT_DIMENSIONS
        ]
        story.append(table(rows, widths=[50 * mm, 25 * mm, 95 * mm]))
        metrics = [
            f"{m.name_nl} ({m.unit}{', IRIS+ ' + m.iris_id if m.iris_id else ''})"
            for m in assessment.expected_metrics.order_by("name_nl")
        ]
        if metrics:
            story.append(p("Verwachte KPI's (impactcatalogus): " + "; ".join(metrics)))
        if assessment.kpi_lines:
            story.append(p("Toelichting bij de verwachte KPI's: " + "; ".join(assessment.kpi_lines)))
        story += [
            heading("Risico's"),
            p(f"Risicoklasse {assessment.risk_rating or '—'}: {assessment.risk_rating_rationale}"),
        ]
    else:
        story.append(p("Nog niet beoordeeld."))

    story.append(heading("Voorgestelde voorwaarden"))
    if terms:
        story.append(
            table(
                [
                    ["Bedrag", eur(terms.amount)],
                    ["Instrument", terms.get_instrument_display()],
                    ["Rente", _pct(terms.interest_rate) + " per jaar"],
                    [
                        "Looptijd",
                        f"{terms.term_months} maanden, waarvan {terms.grace_months} aflossingsvrij "
                        f"({terms.get_grace_type_display().lower()})",
                    ],
                    ["Aflossing", f"{terms.get_method_display()}, {terms.get_frequency_display().lower()}"],
                    ["Zekerheden", p(terms.security)],
                    ["Convenanten", p(terms.covenants)],
                    ["Opschortende voorwaarden", p("\n".join(terms.condition_lines))],
                ],
                header=False,
                widths=[45 * mm, 125 * mm],
            )
        )
    else:
        story.append(p("Nog geen voorstel."))
    story += _de_minimis(application)
    return build(
        title=f"Investeringsmemo {application.number} — versie {version}",
        subtitle=f"{organisation.name} — {application.fund.name}",
        story=story,
        generated_at=generated_at,
    )


def _de_minimis(application: Application) -> list:
    """The grant equivalent of the proposed loan and the enterprise's de minimis total (issue 17)."""
    from .stateaid import loan_aid

    aid = loan_aid(application)
    if aid is None:
        return []
    story = [heading("De-minimissteun (Verordening (EU) 2023/2831)")]
    if aid.rates is None:
        return [*story, p("Geen EU-basisrente vastgelegd: het subsidie-equivalent is niet berekend.")]
    rows = [
        ["Grondslag", p(aid.basis_text)],
        ["Rating en zekerheden", aid.rating_label or "geen rating (opslag minstens 400 basispunten)"],
        ["EU-basisrente", _pct(aid.rates.base_rate * 100)],
        ["Referentierente", _pct(aid.rates.reference_rate * 100)],
        ["Disconteringsvoet", _pct(aid.rates.discount_rate * 100)],
        ["Subsidie-equivalent van deze lening", eur(aid.grant_equivalent)],
        ["Eerdere de-minimissteun in drie jaar", eur(aid.earlier)],
        ["Totaal met deze lening", eur(aid.total)],
        ["Ruimte onder het plafond van " + eur(aid.ceiling), eur(aid.headroom)],
    ]
    story.append(table(rows, header=False, widths=[70 * mm, 100 * mm]))
    if aid.exceeds:
        story.append(p("Met deze lening gaat de onderneming over het de-minimisplafond."))
    return story

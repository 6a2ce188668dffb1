"""Writes for the pipeline: applications, their state machine, screening, due diligence, memo, hand-off.

Every function is keyword-only, runs in one transaction, checks the actor's role (fund manager of the
application's fund, investee of its enterprise) and writes an audit record. State changes lock the
application row (`select_for_update`) so two clicks cannot both pass the same guard; a notification
e-mail goes out once the transaction has committed.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from djmoney.money import Money

from core.documents import document_store
from core.errors import ApplicationError, PermissionDeniedError, TransitionError
from core.models import StoredDocument
from core.money import round_to
from core.privacy import validate_filename_no_bsn, validate_no_bsn
from core.uploads import document_type
from fund import selectors as fund_selectors
from fund.audit import audit_record
from fund.models import Enterprise, Fund, FundStatus, Membership, ReferralPartner, Role, Theme, User
from fund.services import enterprise_relation_add

from . import documents, eligibility
from .models import (
    CHECKLIST_CLOSED,
    IMPACT_DIMENSIONS,
    REQUIRED_DOCUMENTS,
    Application,
    ApplicationDocument,
    ApplicationMessage,
    ApplicationStatus,
    Assessment,
    ChecklistItem,
    ChecklistTemplateItem,
    CheckOutcome,
    DocumentKind,
    EligibilityCheck,
    EligibilityOverride,
    FinancialYear,
    InternalNote,
    ProposedTerms,
    ReferralSource,
)
from .transitions import FUND_MANAGER, INVESTEE, TRANSITIONS, target_labels_from

S = ApplicationStatus

MSG_FUND_NOT_INVESTING = gettext_noop("Dit fonds neemt op dit moment geen aanvragen aan.")
MSG_NOT_EDITABLE = gettext_noop("Een aanvraag kan alleen als concept worden gewijzigd.")
MSG_INCOMPLETE = gettext_noop("De aanvraag is nog niet compleet. Ontbreekt: %(missing)s.")
MSG_REASON_REQUIRED = gettext_noop("Geef een reden.")
MSG_CHECKS_OPEN = gettext_noop(
    "Due diligence kan pas starten als elke toets voldoet of er met reden een afwijking is toegestaan. "
    "Niet voldaan: %(checks)s."
)
MSG_NO_CHECKS = gettext_noop("Voer eerst de toetsen uit.")
MSG_NOT_READY_FOR_COMMITTEE = gettext_noop(
    "De aanvraag is nog niet klaar voor de commissie. Ontbreekt: %(missing)s."
)
MSG_DE_MINIMIS_OPEN = gettext_noop(
    "de-minimistoets: met deze lening gaat de onderneming over het plafond van € 300.000,00 in drie jaar; "
    "voer de toetsen opnieuw uit en onderbouw een afwijking"
)
MSG_OVERRIDE_NOT_FAILED = gettext_noop(
    "Alleen voor een toets die niet voldoet kan een afwijking worden toegestaan."
)
MSG_FILE_TOO_LARGE = gettext_noop("Het bestand is groter dan %(max)d MB.")
MSG_FILE_TYPE = gettext_noop(
    "Alleen PDF-, Excel- (XLSX) en Word-bestanden (DOCX) zijn toegestaan; "
    "de inhoud van dit bestand is geen van drie."
)
MSG_REFERRAL_PARTNER = gettext_noop(
    "Kies de verwijzende partner bij een verwijzing door een makelaar of netwerkpartner."
)
MSG_REFERRAL_PARTNER_TYPE = gettext_noop("Deze partner is geen %(type)s.")
MSG_ENTERPRISE_NOT_IN_SCOPE = gettext_noop("U kunt geen aanvraag doen voor deze onderneming.")
MSG_NOT_APPROVED = gettext_noop(
    "Alleen een goedgekeurde aanvraag kan aan de portefeuille worden overgedragen."
)
MSG_ALREADY_HANDED_OFF = gettext_noop(
    "Deze aanvraag is al overgedragen aan de portefeuille (contract %(ref)s)."
)
MSG_NO_TERMS = gettext_noop("Leg eerst de voorgestelde voorwaarden vast.")

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Documents can be added until the application goes to the committee (answers to questions may need one).
UPLOAD_STATUSES = (S.DRAFT, S.SUBMITTED, S.SCREENING, S.DUE_DILIGENCE)
MAX_HISTORICAL_YEARS = 3

DEFAULT_CHECKLIST = [
    gettext_noop("Uittreksel Kamer van Koophandel"),
    gettext_noop("Jaarrekeningen"),
    gettext_noop("UBO-registratie"),
    gettext_noop("Referenties"),
    gettext_noop("Bedrijfsbezoek"),
    gettext_noop("Impactplan"),
]

APPLICATION_FIELDS = [
    "requested_amount",
    "instrument",
    "term_months",
    "grace_months",
    "purpose",
    "use_of_funds",
    "target_group",
    "expected_change",
    "measurement",
    "referral_source",
    "referral_partner",
]
FINANCIAL_FIELDS = [
    "revenue",
    "ebitda",
    "net_result",
    "total_assets",
    "equity",
    "debt",
    "current_assets",
    "current_liabilities",
    "debt_service",
]
REQUIRED_FINANCIAL_FIELDS = ["revenue", "ebitda", "net_result", "total_assets", "equity", "debt"]


# --------------------------------------------------------------------------------------------------
# Roles
# --------------------------------------------------------------------------------------------------


def is_fund_manager(user: User | None, fund: Fund) -> bool:
    return user is not None and fund.pk in fund_selectors.managed_fund_ids(user)


def is_investee(user: User | None, enterprise: Enterprise) -> bool:
    return user is not None and enterprise.organisation_id in fund_selectors.own_enterprise_organisation_ids(
        user
    )


def actor_roles(actor: User | None, application: Application) -> set[str]:
    roles = set()
    if is_fund_manager(actor, application.fund):
        roles.add(FUND_MANAGER)
    if is_investee(actor, application.enterprise):
        roles.add(INVESTEE)
    return roles


def _require_fund_manager(actor: User | None, fund: Fund) -> None:
    if not is_fund_manager(actor, fund):
        raise PermissionDeniedError(_("Alleen een fondsmanager van %(fund)s kan dit doen.") % {"fund": fund})


def _require_editor(actor: User | None, application: Application) -> None:
    if not actor_roles(actor, application):
        raise PermissionDeniedError()


# --------------------------------------------------------------------------------------------------
# Notifications
# --------------------------------------------------------------------------------------------------


def investee_emails(enterprise: Enterprise) -> list[str]:
    return list(
        Membership.objects.filter(
            role=Role.INVESTEE,
            organisation_id=enterprise.organisation_id,
            is_active=True,
            user__is_active=True,
        ).values_list("user__email", flat=True)
    )


def fund_manager_emails(fund: Fund) -> list[str]:
    return list(
        Membership.objects.filter(role=Role.FUND_MANAGER, fund=fund, is_active=True, user__is_active=True)
        .values_list("user__email", flat=True)
        .order_by("user__email")
    )


def notify(*, recipients: Iterable[str], subject: str, body: str) -> None:
    """Send one e-mail to the people concerned once the transaction commits (never for a rollback)."""
    to = sorted({address for address in recipients if address})
    if not to:
        return
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to, fail_silently=False)
    )


def _notify_status(application: Application, *, from_status: str, reason: str = "") -> None:
    subject = _("%(number)s: %(status)s") % {
        "number": application.number,
        "status": application.get_status_display(),
    }
    body = _(
        "De status van aanvraag %(number)s van %(enterprise)s bij %(fund)s is gewijzigd "
        "van '%(from)s' naar '%(to)s'."
    ) % {
        "number": application.number,
        "enterprise": application.enterprise,
        "fund": application.fund,
        "from": S(from_status).label,
        "to": application.get_status_display(),
    }
    if reason:
        body += "\n\n" + _("Toelichting: %(reason)s") % {"reason": reason}
    notify(
        recipients=[*investee_emails(application.enterprise), *fund_manager_emails(application.fund)],
        subject=subject,
        body=body,
    )


# --------------------------------------------------------------------------------------------------
# Application (intake)
# --------------------------------------------------------------------------------------------------


def request_errors(
    *,
    fund: Fund,
    amount: Decimal | None = None,
    term_months: int | None = None,
    grace_months: int | None = 0,
    referral_source: str = "",
    referral_partner: ReferralPartner | None = None,
) -> dict[str, list[str]]:
    """Every refusal of a request's fields at once, by field (the form shows them all after one save)."""
    errors: dict[str, list[str]] = {}
    if amount is not None and amount <= 0:
        errors["requested_amount"] = [_("Het gevraagde bedrag moet groter zijn dan nul.")]
    if term_months is not None and term_months > fund.max_term_months:
        errors["term_months"] = [
            _("De looptijd is langer dan het beleid van het fonds toestaat (maximaal %(max)s maanden).")
            % {"max": fund.max_term_months}
        ]
    if term_months is not None and (grace_months or 0) >= term_months:
        errors["grace_months"] = [_("De aflossingsvrije periode moet korter zijn dan de looptijd.")]
    if referral_source in (ReferralSource.MAKELAAR, ReferralSource.NETWORK):
        if referral_partner is None:
            errors["referral_partner"] = [_(MSG_REFERRAL_PARTNER)]
        elif referral_partner.partner_type != referral_source:
            errors["referral_partner"] = [
                _(MSG_REFERRAL_PARTNER_TYPE) % {"type": ReferralSource(referral_source).label.lower()}
            ]
    return errors


def _check_request(application: Application) -> None:
    """The request's rules and the model's own validation, all refusals in one ValidationError."""
    money = application.requested_amount
    errors = request_errors(
        fund=application.fund,
        amount=money.amount if money is not None else None,
        term_months=application.term_months,
        grace_months=application.grace_months,
        referral_source=application.referral_source,
        referral_partner=application.referral_partner,
    )
    if money is not None and money.currency.code != "EUR":
        errors["requested_amount"] = [_("Bedragen zijn in euro's.")]
    try:
        application.full_clean(exclude=["contract"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, [])
            errors[field] += [m for m in messages if m not in errors[field]]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def application_create(
    *,
    actor: User,
    fund: Fund,
    enterprise: Enterprise,
    themes: Iterable[Theme] = (),
    **fields,
) -> Application:
    """An investee (for its own enterprise) or a fund manager (on the enterprise's behalf) starts a draft."""
    if not (is_investee(actor, enterprise) or is_fund_manager(actor, fund)):
        raise PermissionDeniedError(_(MSG_ENTERPRISE_NOT_IN_SCOPE))
    if fund.status != FundStatus.INVESTING:
        raise ApplicationError(_(MSG_FUND_NOT_INVESTING))
    unknown = set(fields) - set(APPLICATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    application = Application(fund=fund, enterprise=enterprise, created_by=actor, **fields)
    _check_request(application)
    application.save()
    application.themes.set(list(themes))
    audit_record(actor=actor, obj=application, action="application_created", to_state=application.status)
    return application


@transaction.atomic
def application_update(
    *, actor: User, application: Application, themes: Iterable[Theme] | None = None, **fields
) -> Application:
    application = _locked(application)
    _require_editor(actor, application)
    if application.status != S.DRAFT:
        raise ApplicationError(_(MSG_NOT_EDITABLE))
    unknown = set(fields) - set(APPLICATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    before = {name: getattr(application, name) for name in fields}
    for name, value in fields.items():
        setattr(application, name, value)
    _check_request(application)
    application.save()
    if themes is not None:
        application.themes.set(list(themes))
    from fund.audit import field_changes

    audit_record(
        actor=actor,
        obj=application,
        action="application_updated",
        data={"changes": field_changes(before, {name: getattr(application, name) for name in fields})},
    )
    return application


@transaction.atomic
def financial_years_save(*, actor: User, application: Application, years: list[dict]) -> list[FinancialYear]:
    """Replace the application's financials with `years` (each a dict with `year`, `is_forecast` and the
    figures as Decimal or None) — all or nothing."""
    application = _locked(application)
    _require_editor(actor, application)
    if application.status != S.DRAFT:
        raise ApplicationError(_(MSG_NOT_EDITABLE))
    historical = [y for y in years if not y.get("is_forecast")]
    if len(historical) > MAX_HISTORICAL_YEARS:
        raise ValidationError(
            {
                "year": [
                    _("Geef de cijfers van hoogstens %(max)d afgelopen jaren.")
                    % {"max": MAX_HISTORICAL_YEARS}
                ]
            }
        )
    seen = set()
    rows = []
    for data in years:
        key = (data["year"], bool(data.get("is_forecast")))
        if key in seen:
            raise ValidationError(
                {"year": [_("Het jaar %(year)s staat er twee keer in.") % {"year": data["year"]}]}
            )
        seen.add(key)
        row = FinancialYear(
            application=application,
            **{k: v for k, v in data.items() if k in ["year", "is_forecast", *FINANCIAL_FIELDS]},
        )
        row.full_clean(exclude=["application"], validate_unique=False)
        rows.append(row)
    application.financials.all().delete()
    FinancialYear.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        obj=application,
        action="application_financials_saved",
        data={"years": [f"{r.year}{' P' if r.is_forecast else ''}" for r in rows]},
    )
    return rows


def check_upload(upload) -> str:
    """The file's real type ('pdf', 'xlsx' or 'docx') from parsing its content (core.uploads), or a
    ValidationError: a file that only starts like a PDF, a polyglot with HTML or an Office zip bomb is
    refused."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _(MSG_FILE_TOO_LARGE) % {"max": MAX_UPLOAD_BYTES // (1024 * 1024)}, code="too_large"
        )
    try:
        return document_type(upload, allowed=("pdf", "xlsx", "docx"))
    except ValidationError as exc:
        if exc.code in ("polyglot", "too_large_unpacked"):
            raise
        raise ValidationError(_(MSG_FILE_TYPE), code="file_type") from exc


@transaction.atomic
def document_add(*, actor: User, application: Application, kind: str, upload) -> ApplicationDocument:
    application = _locked(application)
    _require_editor(actor, application)
    if application.status not in UPLOAD_STATUSES:
        raise ApplicationError(_("Bij deze aanvraag kunnen geen documenten meer worden toegevoegd."))
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": [_("Kies de soort document.")]})
    try:
        validate_filename_no_bsn(upload)  # no citizen service number in a stored file name (AVG)
        content_type = check_upload(upload)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    document = ApplicationDocument(
        application=application,
        kind=kind,
        file=upload,
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor,
    )
    document.save()
    audit_record(
        actor=actor,
        obj=application,
        action="application_document_added",
        data={"kind": kind, "file": document.filename, "type": content_type},
    )
    return document


def documents_changeable(application: Application) -> bool:
    """A draft's documents may be replaced and deleted; after submission only replaced, and only while the
    fund has asked for documents in the thread during the current stage (until the committee)."""
    if application.status == S.DRAFT:
        return True
    return (
        application.status in UPLOAD_STATUSES
        and application.messages.filter(
            requests_documents=True, created_at__gte=application.status_changed_at
        ).exists()
    )


def _changeable_document(actor: User, document: ApplicationDocument) -> ApplicationDocument:
    document = ApplicationDocument.objects.select_for_update().get(pk=document.pk)
    application = _locked(document.application)
    _require_editor(actor, application)
    if document.removed_at is not None:
        raise ApplicationError(_("Dit document is al vervangen of verwijderd."))
    if not documents_changeable(application):
        raise ApplicationError(
            _(
                "Documenten kunnen alleen in een concept worden vervangen, of als het fonds erom vraagt "
                "(in de berichten bij de aanvraag)."
            )
        )
    return document


@transaction.atomic
def document_remove(*, actor: User, document: ApplicationDocument) -> ApplicationDocument:
    """Delete a draft's document: it no longer counts (the file is kept for the audit trail)."""
    document = _changeable_document(actor, document)
    if document.application.status != S.DRAFT:
        raise ApplicationError(
            _("Na het indienen kan een document alleen worden vervangen, niet verwijderd.")
        )
    document.removed_at, document.removed_by = timezone.now(), actor
    document.save(update_fields=["removed_at", "removed_by"])
    audit_record(
        actor=actor,
        obj=document.application,
        action="application_document_removed",
        data={"kind": document.kind, "file": document.filename},
    )
    return document


@transaction.atomic
def document_replace(*, actor: User, document: ApplicationDocument, upload) -> ApplicationDocument:
    """A new file in place of an old one (same kind); the old one is kept, marked as replaced."""
    old = _changeable_document(actor, document)
    new = document_add(actor=actor, application=old.application, kind=old.kind, upload=upload)
    old.removed_at, old.removed_by, old.replaced_by = timezone.now(), actor, new
    old.save(update_fields=["removed_at", "removed_by", "replaced_by"])
    audit_record(
        actor=actor,
        obj=old.application,
        action="application_document_replaced",
        data={"kind": old.kind, "old": old.filename, "new": new.filename},
    )
    return new


def missing_items(application: Application) -> list[str]:
    """What must still be filled in before the application can be submitted, by name (Dutch)."""
    missing = []
    simple = [
        ("requested_amount", _("gevraagd bedrag")),
        ("instrument", _("instrument")),
        ("term_months", _("gewenste looptijd")),
        ("purpose", _("doel van de financiering")),
        ("use_of_funds", _("besteding van de middelen")),
        ("target_group", _("doelgroep")),
        ("expected_change", _("verwachte verandering")),
        ("measurement", _("hoe de impact gemeten wordt")),
        ("referral_source", _("hoe u bij het fonds bent gekomen")),
    ]
    for name, label in simple:
        value = getattr(application, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(str(label))
    if not application.themes.exists():
        missing.append(_("thema"))
    years = list(application.financials.all())
    historical = [y for y in years if not y.is_forecast]
    if not historical:
        missing.append(_("jaarcijfers van ten minste één afgelopen jaar"))
    for year in historical:
        empty = [
            str(FinancialYear._meta.get_field(f).verbose_name)
            for f in REQUIRED_FINANCIAL_FIELDS
            if getattr(year, f) is None
        ]
        if empty:
            missing.append(
                _("jaarcijfers %(year)s: %(fields)s") % {"year": year.year, "fields": ", ".join(empty)}
            )
    if not any(y.is_forecast for y in years):
        missing.append(_("prognose"))
    kinds = set(application.documents.filter(removed_at__isnull=True).values_list("kind", flat=True))
    for kind in REQUIRED_DOCUMENTS:
        if kind not in kinds:
            missing.append(_("document: %(kind)s") % {"kind": str(DocumentKind(kind).label).lower()})
    return missing


def _application_link(application: Application) -> str:
    from django.urls import reverse

    return settings.SITE_URL + reverse("application_detail", args=[application.pk]) + "#berichten"


@transaction.atomic
def message_post(
    *, actor: User, application: Application, text: str, requests_documents: bool = False
) -> ApplicationMessage:
    """A message in the application's thread, from the applicant or the fund. The other side gets an e-mail
    with a link to the thread (never the content: it may be confidential and e-mail is not)."""
    roles = actor_roles(actor, application)
    if not roles:
        raise PermissionDeniedError()
    from_fund = FUND_MANAGER in roles
    if requests_documents and not from_fund:
        raise PermissionDeniedError()
    if not text.strip():
        raise ValidationError({"text": [_("Schrijf een bericht.")]})
    try:
        validate_no_bsn(text)
    except ValidationError as exc:
        raise ValidationError({"text": exc.messages}) from None
    message = ApplicationMessage.objects.create(
        application=application,
        author=actor,
        from_fund=from_fund,
        text=text.strip(),
        requests_documents=requests_documents,
    )
    audit_record(
        actor=actor,
        obj=application,
        action="application_message_posted",
        data={"from_fund": from_fund, "requests_documents": requests_documents},
    )
    recipients = (
        investee_emails(application.enterprise) if from_fund else fund_manager_emails(application.fund)
    )
    notify(
        recipients=[r for r in recipients if r != actor.email],
        subject=_("%(number)s: nieuw bericht") % {"number": application.number},
        body=_(
            "Er is een nieuw bericht over aanvraag %(number)s van %(enterprise)s bij %(fund)s.\n\n"
            "Lees en beantwoord het hier (na inloggen): %(link)s"
        )
        % {
            "number": application.number,
            "enterprise": application.enterprise,
            "fund": application.fund,
            "link": _application_link(application),
        },
    )
    return message


@transaction.atomic
def internal_note_add(*, actor: User, application: Application, text: str) -> InternalNote:
    _require_fund_manager(actor, application.fund)
    if not text.strip():
        raise ValidationError({"text": [_("Schrijf de notitie.")]})
    note = InternalNote.objects.create(application=application, text=text.strip(), author=actor)
    audit_record(actor=actor, obj=application, action="application_note_added")
    return note


# --------------------------------------------------------------------------------------------------
# The state machine
# --------------------------------------------------------------------------------------------------


def _locked(application: Application) -> Application:
    """Lock the row, then reload the caller's instance from it (so the caller sees the new state too)."""
    list(Application.objects.select_for_update().filter(pk=application.pk).values_list("pk", flat=True))
    application.refresh_from_db()
    return application


def _refuse(application: Application, to_status: str | None) -> TransitionError:
    return TransitionError(
        obj_label=str(application),
        from_state=str(application.get_status_display()),
        to_state=str(S(to_status).label) if to_status else _("vorige fase"),
        allowed=target_labels_from(application.status),
    )


def _apply(
    *,
    actor: User | None,
    application: Application,
    name: str,
    reason: str = "",
    roles: set[str] | None = None,
    send_notification: bool = True,
) -> Application:
    """Check the table and the actor's role, move, audit, notify. The caller holds the row lock."""
    transition = TRANSITIONS[name]
    to_status = transition.target or application.held_from_status
    if application.status not in transition.sources:
        raise _refuse(application, transition.target)
    roles = roles if roles is not None else actor_roles(actor, application)
    if not roles & set(transition.roles):
        raise PermissionDeniedError()
    from_status = application.status
    application.held_from_status = from_status if to_status == S.ON_HOLD else ""
    application.status = to_status
    application.status_changed_at = timezone.now()
    if name == "submit":
        application.submitted_at = application.status_changed_at
    application.save(update_fields=["status", "held_from_status", "status_changed_at", "submitted_at"])
    audit_record(
        actor=actor,
        obj=application,
        action=f"application_{name}",
        from_state=from_status,
        to_state=to_status,
        reason=reason,
    )
    if send_notification:
        _notify_status(application, from_status=from_status, reason=reason)
    return application


def _require_reason(reason: str) -> str:
    if not (reason or "").strip():
        raise ValidationError({"reason": [_(MSG_REASON_REQUIRED)]})
    return reason.strip()


@transaction.atomic
def application_submit(*, actor: User, application: Application) -> Application:
    """Submit a complete draft. Submitting an application that is already submitted changes nothing."""
    application = _locked(application)
    if application.status == S.SUBMITTED:
        if not actor_roles(actor, application):
            raise PermissionDeniedError()
        return application  # a double click or a resent form: harmless
    if application.status == S.DRAFT:
        if not actor_roles(actor, application) & {INVESTEE, FUND_MANAGER}:
            raise PermissionDeniedError()
        missing = missing_items(application)
        if missing:
            raise ApplicationError(_(MSG_INCOMPLETE) % {"missing": "; ".join(missing)}, code="incomplete")
        if application.fund.status != FundStatus.INVESTING:
            raise ApplicationError(_(MSG_FUND_NOT_INVESTING))
    _apply(actor=actor, application=application, name="submit")
    referred_by = application.referral_partner
    enterprise_relation_add(
        actor=actor, fund=application.fund, enterprise=application.enterprise, referred_by=referred_by
    )
    _eligibility_run(actor=actor, application=application)
    return application


@transaction.atomic
def application_start_screening(*, actor: User, application: Application) -> Application:
    return _apply(actor=actor, application=_locked(application), name="start_screening")


@transaction.atomic
def application_start_due_diligence(*, actor: User, application: Application) -> Application:
    application = _locked(application)
    if application.status == S.SCREENING and is_fund_manager(actor, application.fund):
        failing = unresolved_checks(application)
        if failing is None:
            raise ApplicationError(_(MSG_NO_CHECKS))
        if failing:
            raise ApplicationError(
                _(MSG_CHECKS_OPEN) % {"checks": ", ".join(str(eligibility.CHECK_LABELS[c]) for c in failing)}
            )
    _apply(actor=actor, application=application, name="start_due_diligence")
    _checklist_create(application)
    Assessment.objects.get_or_create(application=application)
    return application


def committee_readiness(application: Application) -> list[str]:
    """What is still missing before the application can go to the committee (by name)."""
    missing = []
    open_items = [item.title for item in application.checklist.all() if item.status not in CHECKLIST_CLOSED]
    if open_items:
        missing.append(_("checklist: %(items)s") % {"items": ", ".join(open_items)})
    try:
        if not application.assessment.is_complete:
            missing.append(_("impactbeoordeling en risicoklasse"))
    except Assessment.DoesNotExist:
        missing.append(_("impactbeoordeling en risicoklasse"))
    if not ProposedTerms.objects.filter(application=application).exists():
        missing.append(_("voorgestelde voorwaarden"))
    if not documents.memo_versions(application).exists():
        missing.append(_("investeringsmemo"))
    if de_minimis_blocked(application):
        missing.append(_(MSG_DE_MINIMIS_OPEN))
    return missing


def de_minimis_blocked(application: Application) -> bool:
    """The proposed loan would take the enterprise over the de minimis ceiling and no fund manager has
    overridden the failed de minimis check with a reason (issue 17)."""
    from .stateaid import loan_aid

    aid = loan_aid(application)
    if aid is None or not aid.exceeds:
        return False
    return not application.eligibility_overrides.filter(code="de_minimis").exists()


@transaction.atomic
def application_refer_to_committee(*, actor: User, application: Application) -> Application:
    application = _locked(application)
    if application.status == S.DUE_DILIGENCE and is_fund_manager(actor, application.fund):
        missing = committee_readiness(application)
        if missing:
            raise ApplicationError(_(MSG_NOT_READY_FOR_COMMITTEE) % {"missing": "; ".join(missing)})
    return _apply(actor=actor, application=application, name="refer_to_committee")


@transaction.atomic
def application_decline(*, actor: User, application: Application, reason: str) -> Application:
    reason = _require_reason(reason)
    return _apply(actor=actor, application=_locked(application), name="decline", reason=reason)


@transaction.atomic
def application_hold(*, actor: User, application: Application, reason: str) -> Application:
    reason = _require_reason(reason)
    return _apply(actor=actor, application=_locked(application), name="hold", reason=reason)


@transaction.atomic
def application_resume(*, actor: User, application: Application, reason: str = "") -> Application:
    return _apply(actor=actor, application=_locked(application), name="resume", reason=reason.strip())


@transaction.atomic
def application_withdraw(*, actor: User, application: Application, reason: str) -> Application:
    """Withdrawing ends the application for good; it always says why (the fund reads it)."""
    reason = _require_reason(reason)
    return _apply(actor=actor, application=_locked(application), name="withdraw", reason=reason)


def application_set_decided(
    *, actor: User, application: Application, name: str, reason: str = ""
) -> Application:
    """Used by `committee.decision_record`, which checks the chair, holds the transaction and sends the
    decision's own e-mail (with conditions, reasons or questions) instead of a bare status message."""
    from .transitions import COMMITTEE_CHAIR

    return _apply(
        actor=actor,
        application=application,
        name=name,
        reason=reason,
        roles={COMMITTEE_CHAIR},
        send_notification=False,
    )


# --------------------------------------------------------------------------------------------------
# Screening
# --------------------------------------------------------------------------------------------------


def latest_checks(application: Application) -> list[EligibilityCheck]:
    last = application.eligibility_checks.order_by("-run").values_list("run", flat=True).first()
    if last is None:
        return []
    return list(application.eligibility_checks.filter(run=last).order_by("id"))


def unresolved_checks(application: Application) -> list[str] | None:
    """Codes of failed checks in the latest run without an override; None when no run exists yet."""
    checks = latest_checks(application)
    if not checks:
        return None
    overridden = set(application.eligibility_overrides.values_list("code", flat=True))
    return [c.code for c in checks if c.outcome == CheckOutcome.FAIL and c.code not in overridden]


def _eligibility_run(*, actor: User | None, application: Application) -> list[EligibilityCheck]:
    last = application.eligibility_checks.order_by("-run").values_list("run", flat=True).first() or 0
    now = timezone.now()
    rows = [
        EligibilityCheck(
            application=application,
            run=last + 1,
            code=result.code,
            outcome=result.outcome,
            reason=result.reason,
            numbers=_jsonable(result.numbers),
            run_at=now,
        )
        for result in eligibility.run_checks(application)
    ]
    EligibilityCheck.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        obj=application,
        action="application_checks_run",
        data={"run": last + 1, "outcomes": {r.code: r.outcome for r in rows}},
    )
    return rows


def _jsonable(value):
    from fund.audit import _jsonable as convert

    return convert(value)


@transaction.atomic
def eligibility_run(*, actor: User, application: Application) -> list[EligibilityCheck]:
    """Run the checks again on demand (fund manager)."""
    application = _locked(application)
    _require_fund_manager(actor, application.fund)
    if application.status in (S.DRAFT, S.WITHDRAWN):
        raise ApplicationError(_("De toetsen lopen pas na indienen."))
    return _eligibility_run(actor=actor, application=application)


@transaction.atomic
def eligibility_override(
    *, actor: User, application: Application, code: str, reason: str
) -> EligibilityOverride:
    application = _locked(application)
    _require_fund_manager(actor, application.fund)
    reason = _require_reason(reason)
    check = next((c for c in latest_checks(application) if c.code == code), None)
    if check is None or check.outcome != CheckOutcome.FAIL:
        raise ApplicationError(_(MSG_OVERRIDE_NOT_FAILED))
    override, _created = EligibilityOverride.objects.update_or_create(
        application=application, code=code, defaults={"reason": reason, "by": actor}
    )
    audit_record(
        actor=actor,
        obj=application,
        action="application_check_overridden",
        from_state=CheckOutcome.FAIL,
        to_state="overridden",
        reason=reason,
        data={"check": code, "numbers": check.numbers},
    )
    return override


# --------------------------------------------------------------------------------------------------
# Due diligence
# --------------------------------------------------------------------------------------------------


def _checklist_create(application: Application) -> None:
    if application.checklist.exists():
        return
    template = list(ChecklistTemplateItem.objects.filter(fund=application.fund).order_by("position"))
    titles = [item.title for item in template] or [_(title) for title in DEFAULT_CHECKLIST]
    ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(application=application, position=n, title=title)
            for n, title in enumerate(titles, start=1)
        ]
    )


def _require_due_diligence(actor: User, application: Application) -> None:
    _require_fund_manager(actor, application.fund)
    if application.status != S.DUE_DILIGENCE:
        raise ApplicationError(_("Dit kan alleen tijdens de due diligence."))


@transaction.atomic
def checklist_item_update(
    *,
    actor: User,
    item: ChecklistItem,
    status: str,
    owner: User | None = None,
    evidence: str = "",
    comment: str = "",
) -> ChecklistItem:
    item = ChecklistItem.objects.select_for_update().select_related("application__fund").get(pk=item.pk)
    _require_due_diligence(actor, item.application)
    if owner is not None and not is_fund_manager(owner, item.application.fund):
        raise ValidationError({"owner": [_("De eigenaar moet fondsmanager van dit fonds zijn.")]})
    if status == "done" and not evidence.strip():
        raise ValidationError(
            {"evidence": [_("Een afgerond onderdeel heeft bewijs nodig (document of verwijzing).")]}
        )
    from_status = item.status
    item.status, item.owner, item.evidence, item.comment = status, owner, evidence.strip(), comment.strip()
    item.full_clean(exclude=["application"])
    item.save()
    audit_record(
        actor=actor,
        obj=item.application,
        action="checklist_item_updated",
        from_state=from_status,
        to_state=status,
        data={"item": item.title, "evidence": item.evidence},
    )
    return item


ASSESSMENT_FIELDS = [
    *[f"{d}_{part}" for d in IMPACT_DIMENSIONS for part in ("score", "rationale")],
    "expected_kpis",
    "risk_rating",
    "risk_rating_rationale",
]


MSG_METRIC_NOT_IN_CATALOGUE = gettext_noop(
    "Verwachte KPI's: '%(metric)s' staat niet in de impactcatalogus van dit fonds."
)


@transaction.atomic
def assessment_save(*, actor: User, application: Application, expected_metrics=None, **fields) -> Assessment:
    """Save the impact assessment; ``expected_metrics`` (catalogue metrics of the fund, or None to leave
    them as they are) are the expected KPIs that become the proposed KPI set after approval."""
    from impactmeasurement.selectors import metrics_for

    application = _locked(application)
    _require_due_diligence(actor, application)
    unknown = set(fields) - set(ASSESSMENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    if expected_metrics is not None:
        allowed = set(metrics_for(actor, fund=application.fund).values_list("pk", flat=True))
        for metric in expected_metrics:
            if metric.pk not in allowed:
                raise ValidationError(
                    {"expected_metrics": [_(MSG_METRIC_NOT_IN_CATALOGUE) % {"metric": metric.name_nl}]}
                )
    assessment, _created = Assessment.objects.get_or_create(application=application)
    for name, value in fields.items():
        setattr(assessment, name, value)
    assessment.full_clean(exclude=["application"])
    assessment.save()
    if expected_metrics is not None:
        assessment.expected_metrics.set(expected_metrics)
    audit_record(
        actor=actor,
        obj=application,
        action="assessment_saved",
        data={f"{d}_score": getattr(assessment, f"{d}_score") for d in IMPACT_DIMENSIONS}
        | {
            "risk_rating": assessment.risk_rating,
            "expected_metrics": sorted(assessment.expected_metrics.values_list("code", flat=True)),
        },
    )
    return assessment


def _approved_kpis_to_kpi_set(*, actor: User, application: Application, contract) -> dict:
    """The committee approved the assessment with its expected KPIs (it cannot change after due
    diligence): they become the enterprise's proposed KPI set at this fund, for the contract's term.
    An open proposed set gets the metrics it lacks; a confirmed set is left alone (it changes only as a
    new version with a reason). The total financing starts at the fund's amount (attribution 100 %) until
    the fund manager enters the enterprise's total before confirming the set."""
    from impactmeasurement import services as impact_services
    from impactmeasurement.selectors import open_kpi_set

    assessment = Assessment.objects.filter(application=application).first()
    metrics = list(assessment.expected_metrics.order_by("code")) if assessment else []
    if not metrics:
        return {}
    kpi_set = open_kpi_set(fund=application.fund, enterprise=application.enterprise)
    if kpi_set is not None and kpi_set.status != "proposed":
        return {"kpi_set": kpi_set.pk, "kpis_added": [], "kpi_set_status": kpi_set.status}
    if kpi_set is None:
        start = contract.signed_on or timezone.localdate()
        end = _add_months(start, contract.term_months) - datetime.timedelta(days=1)
        kpi_set = impact_services.kpi_set_create(
            actor=actor,
            fund=application.fund,
            enterprise=application.enterprise,
            contract=contract,
            start=start,
            end=end,
            name=_("Voorgesteld bij aanvraag %(number)s") % {"number": application.number},
            attribution_method="outstanding_share",
            enterprise_total_financing=contract.principal.amount,
        )
    present = set(kpi_set.kpis.values_list("metric_id", flat=True))
    added = []
    for metric in metrics:
        if metric.pk not in present:
            impact_services.kpi_add(actor=actor, kpi_set=kpi_set, metric=metric)
            added.append(metric.code)
    return {"kpi_set": kpi_set.pk, "kpis_added": added, "kpi_set_status": kpi_set.status}


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


TERMS_FIELDS = [
    "aid_rating",
    "aid_collateral",
    "amount",
    "instrument",
    "interest_rate",
    "term_months",
    "grace_months",
    "grace_type",
    "method",
    "frequency",
    "security",
    "covenants",
    "conditions_precedent",
]


@transaction.atomic
def terms_save(*, actor: User, application: Application, **fields) -> ProposedTerms:
    from portfolio.schedules import ScheduleError

    from .analysis import LOAN_INSTRUMENTS, projected_schedule

    application = _locked(application)
    _require_due_diligence(actor, application)
    unknown = set(fields) - set(TERMS_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    fund = application.fund
    try:
        terms = application.terms
    except ProposedTerms.DoesNotExist:
        terms = ProposedTerms(application=application)
    for name, value in fields.items():
        setattr(terms, name, value)
    errors: dict[str, list[str]] = {}
    amount = terms.amount.amount if isinstance(terms.amount, Money) else Decimal(terms.amount or 0)
    if amount <= 0:
        errors["amount"] = [_("Het bedrag moet groter zijn dan nul.")]
    if terms.instrument and terms.instrument not in fund.allowed_instruments:
        errors["instrument"] = [_("Dit instrument is bij dit fonds niet toegestaan.")]
    if terms.interest_rate is not None and not (
        fund.interest_rate_min <= terms.interest_rate <= fund.interest_rate_max
    ):
        errors["interest_rate"] = [
            _("De rente moet tussen %(low)s %% en %(high)s %% liggen (beleid van het fonds).")
            % {"low": fund.interest_rate_min, "high": fund.interest_rate_max}
        ]
    if terms.term_months and terms.term_months > fund.max_term_months:
        errors["term_months"] = [
            _("De looptijd is langer dan het beleid van het fonds toestaat (maximaal %(max)s maanden).")
            % {"max": fund.max_term_months}
        ]
    if errors:
        raise ValidationError(errors)
    terms.full_clean(exclude=["application"])
    if terms.instrument in LOAN_INSTRUMENTS:
        try:
            projected_schedule(terms)
        except ScheduleError as exc:
            raise ValidationError({"term_months": [str(exc)]}) from exc
    terms.save()
    audit_record(
        actor=actor,
        obj=application,
        action="terms_saved",
        data={
            name: getattr(terms, name)
            for name in ["amount", "instrument", "interest_rate", "term_months", "grace_months"]
        },
    )
    return terms


@transaction.atomic
def memo_generate(*, actor: User, application: Application, reason: str = "") -> StoredDocument:
    """Render the investment memo PDF from the current data and keep it as the application's next stored
    memo version (core.documents: immutable, hashed); from version 2 on a reason is required."""
    from .memo import memo_pdf

    application = _locked(application)
    _require_fund_manager(actor, application.fund)
    if application.status not in (S.DUE_DILIGENCE, S.COMMITTEE):
        raise ApplicationError(_("Een memo wordt gemaakt tijdens de due diligence of voor de commissie."))
    latest = documents.latest_memo(application)
    version = (latest.version if latest else 0) + 1
    if latest is not None and not (reason or "").strip():
        raise ApplicationError(
            _("Er is al memoversie %(version)s; geef een reden voor de nieuwe versie.")
            % {"version": latest.version},
            field="reason",
            code="reason_required",
        )
    memo = document_store(
        kind=documents.INVESTMENT_MEMO,
        subject=application,
        content=memo_pdf(application=application, version=version),
        filename=f"memo-{application.number}-v{version}.pdf",
        actor=actor,
        reason=(reason or "").strip(),
        media_type="application/pdf",
    )
    audit_record(
        actor=actor,
        obj=application,
        action="memo_generated",
        reason=memo.reason,
        data={"version": memo.version, "sha256": memo.sha256},
    )
    return memo


# --------------------------------------------------------------------------------------------------
# Hand-off to the portfolio
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def application_hand_off(*, actor: User, application: Application, signed_on: datetime.date | None = None):
    """Turn an approved application's terms (and the committee's conditions) into a portfolio contract."""
    from portfolio import services as portfolio_services

    from .models import Decision

    application = _locked(application)
    _require_fund_manager(actor, application.fund)
    if not application.is_approved:
        raise ApplicationError(_(MSG_NOT_APPROVED))
    if application.contract_id:
        raise ApplicationError(_(MSG_ALREADY_HANDED_OFF) % {"ref": application.contract.reference})
    try:
        terms = application.terms
    except ProposedTerms.DoesNotExist as exc:
        raise ApplicationError(_(MSG_NO_TERMS)) from exc
    decision = (
        Decision.objects.filter(item__application=application, superseded_by__isnull=True)
        .order_by("-recorded_at", "-id")
        .first()
    )
    conditions = list(terms.condition_lines)
    if decision is not None:
        conditions += [c for c in decision.condition_lines if c not in conditions]
    contract = portfolio_services.contract_create(
        actor=actor,
        fund=application.fund,
        enterprise=application.enterprise,
        reference=f"{application.fund.code}-{application.number}",
        instrument=terms.instrument,
        principal=terms.amount,
        annual_rate=round_to(terms.interest_rate / 100, 6),
        term_months=terms.term_months,
        grace_months=terms.grace_months,
        frequency=terms.frequency,
        method=terms.method,
        signed_on=signed_on,
        security=terms.security,
        covenants=terms.covenants,
        conditions=conditions,
    )
    if terms.aid_rating or terms.aid_collateral:
        from portfolio.stateaid import contract_aid_rating_set

        contract_aid_rating_set(
            actor=actor, contract=contract, rating=terms.aid_rating, collateral=terms.aid_collateral
        )
    application.contract = contract
    application.save(update_fields=["contract"])
    kpis = _approved_kpis_to_kpi_set(actor=actor, application=application, contract=contract)
    audit_record(
        actor=actor,
        obj=application,
        action="application_handed_off",
        data={"contract": contract.reference, "conditions": conditions} | kpis,
    )
    return contract

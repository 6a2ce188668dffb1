"""Load a realistic, fictional demo: SIF Zuid-Kennemerland en IJmond and a second (Rotterdam) fund.

Idempotent: running it again changes nothing. Every organisation, person and KvK number is fictional;
the municipalities and their CBS codes are real.
"""

from __future__ import annotations

import datetime
import importlib
from decimal import Decimal

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from djmoney.money import Money

from fund import services
from fund.demo_reference import DEMO_PASSWORD
from fund.models import (
    Enterprise,
    Fund,
    FundManager,
    Investor,
    Municipality,
    Organisation,
    ReferralPartner,
    Role,
    Theme,
    User,
)

# Apps whose `<app>.demo.load()` runs after the fund demo, in this order.
DEMO_APPS = ("investors", "portfolio", "impactmeasurement", "resultaatfinanciering", "reports", "pipeline")
EUR = "EUR"

ZKIJ_REGION = ["GM0392", "GM0377", "GM0397", "GM0473", "GM0375", "GM0396", "GM0453"]

# name, kvk, legal form, street, postcode, city, CBS code, founded, mission, themes, labels
ZKIJ_ENTERPRISES = [
    (
        "Fietsfabriek Spaarne B.V.",
        "90210001",
        "bv",
        "Oudeweg 91",
        "2031 CC",
        "Haarlem",
        "GM0392",
        datetime.date(2017, 3, 1),
        "Leerwerkplaats voor fietsherstel waar mensen uit de bijstand een vak leren en doorstromen.",
        ["werk-en-participatie"],
        [("pso", "trede_2", "", "certified", datetime.date(2025, 2, 1), datetime.date(2027, 1, 31))],
    ),
    (
        "Schuldenlab Kennemerland",
        "90210002",
        "stichting",
        "Zijlweg 145",
        "2015 BG",
        "Haarlem",
        "GM0392",
        datetime.date(2019, 9, 15),
        "Vroegsignalering en budgetcoaching zodat schulden niet problematisch worden.",
        ["armoede-en-schulden"],
        [("code_so", "", "", "certified", datetime.date(2024, 6, 1), None)],
    ),
    (
        "Duinkeuken Zandvoort B.V.",
        "90210003",
        "bv",
        "Kerkstraat 12",
        "2042 JE",
        "Zandvoort",
        "GM0473",
        datetime.date(2020, 4, 20),
        "Strandrestaurant dat jongeren zonder startkwalificatie opleidt tot kok en gastheer.",
        ["werk-en-participatie"],
        [("social_enterprise_nl", "", "", "certified", datetime.date(2023, 1, 1), None)],
    ),
    (
        "Groene Daken IJmond B.V.",
        "90210004",
        "bv",
        "Kennemerlaan 40",
        "1972 EJ",
        "IJmuiden",
        "GM0453",
        datetime.date(2021, 1, 10),
        "Legt groene daken en zonnepanelen aan met een ploeg van mensen met afstand tot de arbeidsmarkt.",
        ["inclusieve-duurzaamheid", "werk-en-participatie"],
        [("b_corp", "", "", "applied", datetime.date(2026, 5, 1), None)],
    ),
    (
        "Kringloop Heemstede Coöperatie U.A.",
        "90210005",
        "cooperatie",
        "Cruquiusweg 30",
        "2102 LS",
        "Heemstede",
        "GM0397",
        datetime.date(2012, 11, 1),
        "Kringloopwinkel en reparatiecafé met werkervaringsplekken.",
        ["werk-en-participatie", "inclusieve-duurzaamheid"],
        [("cedris", "", "", "certified", datetime.date(2022, 3, 1), None)],
    ),
    (
        "Staalwerk Leerbedrijf Beverwijk B.V.",
        "90210006",
        "bv",
        "Parallelweg 18",
        "1948 NN",
        "Beverwijk",
        "GM0375",
        datetime.date(2016, 6, 6),
        "Metaalbewerking en lassen: opleiding en baangarantie bij bedrijven in de IJmond.",
        ["werk-en-participatie"],
        [("pso", "trede_1", "", "certified", datetime.date(2025, 9, 1), datetime.date(2027, 8, 31))],
    ),
    (
        "Zorgtuin Heemskerk",
        "90210007",
        "stichting",
        "Maerten van Heemskerckstraat 5",
        "1961 EA",
        "Heemskerk",
        "GM0396",
        datetime.date(2022, 2, 14),
        "Zorgboerderij en moestuin voor dagbesteding en herstel, met verkoop aan lokale horeca.",
        ["gezondheid-en-welzijn"],
        [("pso", "aspirant", "", "applied", datetime.date(2026, 3, 1), None)],
    ),
    (
        "Bloemendaal Bezorgt B.V.",
        "90210008",
        "bv",
        "Bloemendaalseweg 77",
        "2061 CJ",
        "Bloemendaal",
        "GM0377",
        datetime.date(2023, 8, 1),
        "Emissievrije bezorgdienst met bezorgers die via de gemeente instromen.",
        ["werk-en-participatie", "inclusieve-duurzaamheid"],
        [],
    ),
]

MAASSTAD_ENTERPRISES = [
    (
        "Maasstad Montage B.V.",
        "90220001",
        "bv",
        "Keileweg 10",
        "3029 BS",
        "Rotterdam",
        "GM0599",
        datetime.date(2015, 5, 1),
        "Montagebedrijf met werkplekken voor statushouders en mensen uit de bijstand.",
        ["werk-en-participatie"],
        [("pso", "trede_3", "", "certified", datetime.date(2025, 1, 1), datetime.date(2026, 12, 31))],
    ),
    (
        "Kansrijk Koken Rotterdam",
        "90220002",
        "stichting",
        "Zuidplein 100",
        "3083 CW",
        "Rotterdam",
        "GM0599",
        datetime.date(2018, 10, 1),
        "Kookschool en catering voor jongeren in Rotterdam-Zuid.",
        ["gelijke-kansen", "werk-en-participatie"],
        [("social_enterprise_nl", "", "", "certified", datetime.date(2024, 1, 1), None)],
    ),
    (
        "Zuidplein Zorg Coöperatie U.A.",
        "90220003",
        "cooperatie",
        "Slinge 50",
        "3085 EX",
        "Rotterdam",
        "GM0599",
        datetime.date(2021, 3, 1),
        "Wijkzorg door buurtbewoners die worden opgeleid tot helpende.",
        ["gezondheid-en-welzijn"],
        [],
    ),
]


class Command(BaseCommand):
    help = "Load the demo funds, organisations and one user per role (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the login table.")

    def handle(self, *args, **options):
        # The demo sends no e-mail (the pipeline's notifications would otherwise flood the console).
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
            transaction.atomic(),
        ):
            logins = self._load()
            # Later apps add demo data through an optional `<app>.demo.load()` (which may return logins to
            # print); fund imports none of them. The pipeline (every stage, a past committee) comes last,
            # after the portfolio it hands off to.
            for name in DEMO_APPS:
                if not apps.is_installed(name):
                    continue
                try:
                    module = importlib.import_module(f"{name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{name}.demo":
                        raise
                    continue
                added = module.load()
                if isinstance(added, list):
                    logins += added
            logins += self._other_logins(known={email for _, email, _ in logins})
        if not options["quiet_logins"]:
            self._print_logins(logins)

    # ----------------------------------------------------------------------------------------------

    def _municipality(self, code: str) -> Municipality:
        return Municipality.objects.get(cbs_code=code)

    def _themes(self, codes: list[str]) -> list[Theme]:
        by_code = {t.code: t for t in Theme.objects.filter(code__in=codes)}
        return [by_code[c] for c in codes]

    def _government(self, code: str) -> Organisation:
        municipality = self._municipality(code)
        existing = Organisation.objects.filter(municipality_government=municipality).first()
        return existing or services.municipality_government_create(actor=None, municipality=municipality)

    def _fund_manager(self) -> FundManager:
        existing = FundManager.objects.filter(organisation__kvk_number="90200001").first()
        return existing or services.fund_manager_create(
            actor=None,
            name="Kennemer Impact Beheer B.V.",
            kvk_number="90200001",
            street_address="Grote Markt 2",
            postcode="2011 RD",
            city="Haarlem",
            municipality=self._municipality("GM0392"),
            iban="NL91ABNA0417164300",
        )

    def _fund(self, *, code: str, **kwargs) -> Fund:
        existing = Fund.objects.filter(code=code).first()
        if existing:
            return existing
        fund = services.fund_create(actor=None, code=code, **kwargs)
        return services.fund_change_status(
            actor=None, fund=fund, to_status="investing", reason="Eerste sluiting bereikt (demo)."
        )

    def _investor(self, *, name: str, kvk: str, investor_type: str, government: Organisation | None = None):
        if government is not None:
            existing = Investor.objects.filter(organisation=government).first()
            return existing or services.investor_create(
                actor=None, name=government.name, investor_type=investor_type, organisation=government
            )
        existing = Investor.objects.filter(organisation__kvk_number=kvk).first()
        return existing or services.investor_create(
            actor=None, name=name, investor_type=investor_type, kvk_number=kvk
        )

    def _referral(self, *, name: str, partner_type: str, on_behalf_of: str | None = None) -> ReferralPartner:
        existing = ReferralPartner.objects.filter(organisation__name=name).first()
        return existing or services.referral_partner_create(
            actor=None,
            name=name,
            partner_type=partner_type,
            on_behalf_of=self._municipality(on_behalf_of) if on_behalf_of else None,
        )

    def _enterprises(self, fund: Fund, rows, referred_by: ReferralPartner | None) -> list[Enterprise]:
        result = []
        for name, kvk, legal, street, postcode, city, cbs, founded, mission, themes, labels in rows:
            enterprise = Enterprise.objects.filter(organisation__kvk_number=kvk).first()
            if enterprise is None:
                enterprise = services.enterprise_create(
                    actor=None,
                    fund=fund,
                    name=name,
                    kvk_number=kvk,
                    legal_form=legal,
                    street_address=street,
                    postcode=postcode,
                    city=city,
                    municipality=self._municipality(cbs),
                    founded_on=founded,
                    mission=mission,
                    themes=self._themes(themes),
                    referred_by=referred_by,
                )
                for label_type, level, other, status, valid_from, valid_to in labels:
                    services.social_label_add(
                        actor=None,
                        enterprise=enterprise,
                        label_type=label_type,
                        pso_level=level,
                        other_name=other,
                        status=status,
                        valid_from=valid_from,
                        valid_to=valid_to,
                    )
            result.append(enterprise)
        return result

    def _user(self, email: str, first: str, last: str, *, superuser: bool = False) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            create = User.objects.create_superuser if superuser else User.objects.create_user
            user = create(email=email, password=DEMO_PASSWORD, first_name=first, last_name=last)
        return user

    def _load(self) -> list[tuple[str, str, str]]:
        from fund import demo_reference

        demo_reference.load()  # illustrative EU base rate and CBS figures (issue 17)
        manager = self._fund_manager()
        for code in [*ZKIJ_REGION, "GM0599"]:
            self._government(code)
        haarlem = self._government("GM0392")
        rotterdam = self._government("GM0599")

        zkij = self._fund(
            name="SIF Zuid-Kennemerland en IJmond",
            code="SIF-ZKIJ",
            manager=manager,
            vintage_year=2025,
            target_size=Money("5000000.00", EUR),
            region=[self._municipality(c) for c in ZKIJ_REGION],
            themes=self._themes(["werk-en-participatie", "armoede-en-schulden", "inclusieve-duurzaamheid"]),
            min_ticket=Money("25000.00", EUR),
            max_ticket=Money("250000.00", EUR),
            allowed_instruments=["loan", "subordinated_loan", "convertible_loan"],
            max_exposure_pct=Decimal("10.00"),
            interest_rate_min=Decimal("2.00"),
            interest_rate_max=Decimal("6.00"),
        )
        maasstad = self._fund(
            name="SIF Maasstad",
            code="SIF-MS",
            manager=manager,
            vintage_year=2024,
            target_size=Money("2500000.00", EUR),
            region=[self._municipality("GM0599")],
            themes=self._themes(["werk-en-participatie", "gelijke-kansen"]),
            min_ticket=Money("50000.00", EUR),
            max_ticket=Money("500000.00", EUR),
            allowed_instruments=["loan", "subordinated_loan", "equity", "guarantee"],
            max_exposure_pct=Decimal("15.00"),
            interest_rate_min=Decimal("3.00"),
            interest_rate_max=Decimal("7.00"),
        )

        investors = [
            (
                self._investor(name="", kvk="", investor_type="municipality", government=haarlem),
                zkij,
                "2000000.00",
            ),
            (
                self._investor(
                    name="Stichting Kennemer Vermogensfonds", kvk="90230001", investor_type="foundation"
                ),
                zkij,
                "1500000.00",
            ),
            (
                # A local private investor: a Haarlem family's investment company (family-office style).
                self._investor(
                    name="Familie Van Duinen Vermogensbeheer B.V.", kvk="90230002", investor_type="private"
                ),
                zkij,
                "1000000.00",
            ),
            (
                self._investor(name="", kvk="", investor_type="municipality", government=rotterdam),
                maasstad,
                "2000000.00",
            ),
        ]
        for investor, fund, amount in investors:
            if not fund.commitments.filter(investor=investor).exists():
                services.commitment_create(
                    actor=None,
                    fund=fund,
                    investor=investor,
                    amount=Money(amount, EUR),
                    committed_on=datetime.date(fund.vintage_year, 3, 1),
                )

        makelaar = self._referral(
            name="Makelaar sociaal ondernemen gemeente Haarlem",
            partner_type="makelaar",
            on_behalf_of="GM0392",
        )
        self._referral(name="Netwerk Impact Kennemerland", partner_type="network")
        zkij_enterprises = self._enterprises(zkij, ZKIJ_ENTERPRISES, makelaar)
        self._enterprises(maasstad, MAASSTAD_ENTERPRISES, None)

        kennemer = Investor.objects.get(organisation__kvk_number="90230001")
        people = [
            ("beheerder@impactfonds.example", "Bea", "Beheer", Role.ADMINISTRATOR, {}, True),
            (
                "fondsmanager@impactfonds.example",
                "Femke",
                "de Vries",
                Role.FUND_MANAGER,
                {"fund": zkij},
                False,
            ),
            (
                "fondsmanager.maasstad@impactfonds.example",
                "Mo",
                "El Amrani",
                Role.FUND_MANAGER,
                {"fund": maasstad},
                False,
            ),
            ("commissie@impactfonds.example", "Kees", "Jansen", Role.COMMITTEE_MEMBER, {"fund": zkij}, False),
            (
                "ondernemer@impactfonds.example",
                "Olga",
                "Bakker",
                Role.INVESTEE,
                {"organisation": zkij_enterprises[0].organisation},
                False,
            ),
            (
                "gemeente@impactfonds.example",
                "Gijs",
                "Haarlemmer",
                Role.MUNICIPAL_OFFICIAL,
                {"organisation": haarlem},
                False,
            ),
            (
                "investeerder@impactfonds.example",
                "Ingrid",
                "Visser",
                Role.INVESTOR,
                {"organisation": kennemer.organisation},
                False,
            ),
        ]
        logins = []
        for email, first, last, role, scope, superuser in people:
            user = self._user(email, first, last, superuser=superuser)
            services.membership_grant(actor=None, user=user, role=role, **scope)
            where = scope.get("fund") or scope.get("organisation") or "—"
            logins.append((Role(role).label, email, str(where)))
        return logins

    def _other_logins(self, *, known: set[str]) -> list[tuple[str, str, str]]:
        """Demo users the apps added themselves (e.g. the second and third official for four eyes)."""
        from fund.models import Membership

        rows = (
            Membership.objects.filter(user__email__endswith="@impactfonds.example")
            .exclude(user__email__in=known)
            .select_related("user", "fund", "organisation")
            .order_by("user__email")
        )
        return [(Role(m.role).label, m.user.email, str(m.fund or m.organisation or "—")) for m in rows]

    def _print_logins(self, logins: list[tuple[str, str, str]]) -> None:
        out = self.stdout
        out.write("")
        out.write(
            self.style.SUCCESS(
                "Demo geladen. Inloggen op http://127.0.0.1:8000/ met wachtwoord: " + DEMO_PASSWORD
            )
        )
        width_role = max(len(str(r)) for r, _, _ in logins)
        width_email = max(len(e) for _, e, _ in logins)
        out.write(f"{'Rol':<{width_role}}  {'E-mailadres':<{width_email}}  Namens")
        out.write(f"{'-' * width_role}  {'-' * width_email}  {'-' * 30}")
        for role, email, where in logins:
            out.write(f"{role!s:<{width_role}}  {email:<{width_email}}  {where}")
        out.write("")

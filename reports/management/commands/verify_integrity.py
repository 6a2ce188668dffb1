"""Check a database's books and records: after a restore, an upgrade, or on a schedule.

- every journal entry balances and the ledger's running totals agree with the postings (per fund);
- every stored document's bytes still have the SHA-256 recorded when it was stored.

Exit status 1 and a line per problem when anything is off; "OK" with the counts otherwise.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Sum

from core.models import StoredDocument
from core.money import to_cents
from fund.models import Fund
from portfolio.ledger import summary_check
from portfolio.models import JournalEntry, Posting


class Command(BaseCommand):
    help = "Check ledger balances, running totals and stored-document hashes (after a restore)."

    def handle(self, *args, **options):
        problems: list[str] = []
        funds = list(Fund.objects.order_by("pk"))
        for fund in funds:
            problems += [f"{fund.code}: {p}" for p in summary_check(fund=fund)]
        sums = Posting.objects.values_list("entry_id").annotate(d=Sum("debit"), c=Sum("credit")).order_by()
        for pk, debit, credit in sums.iterator():
            # Compared in whole cents: SQLite sums decimals as floating point.
            if to_cents(Decimal(str(debit))) != to_cents(Decimal(str(credit))):
                problems.append(f"journaalpost {pk}: debet {debit} ≠ credit {credit}")
        documents = 0
        for pk, sha256, content in StoredDocument.objects.values_list("pk", "sha256", "content").iterator():
            documents += 1
            if hashlib.sha256(bytes(content)).hexdigest() != sha256:
                problems.append(f"document {pk}: SHA-256 klopt niet")
        entries = JournalEntry.objects.count()
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} problem(s) found")
        self.stdout.write(f"OK: {len(funds)} funds, {entries} journal entries, {documents} stored documents")

"""Delete uploaded files and login records past their retention period (AVG). `--dry-run` lists what would
go."""

from django.core.management.base import BaseCommand

from reports.avg import purge_expired_login_records, purge_expired_uploads


class Command(BaseCommand):
    help = (
        "Verwijder geüploade bestanden en inlogregistraties waarvan de bewaartermijn verstreken is "
        "(--dry-run: alleen tonen)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="alleen tonen, niets verwijderen")

    def handle(self, *args, dry_run: bool = False, **options):
        done = purge_expired_uploads(dry_run=dry_run)
        for item in done:
            self.stdout.write(f"{item['kind']}\t{item['model']}#{item['pk']}\t{item['file']}")
        verb = "zou verwijderen" if dry_run else "verwijderd"
        self.stdout.write(f"{len(done)} bestand(en) {verb}.")
        for label, count in purge_expired_login_records(dry_run=dry_run).items():
            self.stdout.write(f"{label}: {count} inlogregistratie(s) {verb}.")

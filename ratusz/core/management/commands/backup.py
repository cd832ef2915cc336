"""manage.py backup [--output FILE]: the database and every stored file in one archive."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ratusz.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Write a backup archive (database dump, stored files, manifest with checksums)."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="the archive to write (default: "
                            "<VAR_DIR>/backups/ratusz-<time>.tar)")

    def handle(self, *args, output=None, **options):
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        target = Path(output or settings.VAR_DIR / "backups" / f"ratusz-{stamp}.tar")
        try:
            manifest = create_backup(target)
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest["rows"].values())
        self.stdout.write(f"Backup written to {target}: {manifest['engine']} database, "
                          f"{rows} rows in {len(manifest['rows'])} tables, "
                          f"{len(manifest['files'])} files.")

"""manage.py restore ARCHIVE: load a backup into an empty database and storage, then prove
it (file checksums, row counts, the apps' own checks such as the case records' chains)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ratusz.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "Restore a backup archive into an empty database and check it."

    def add_arguments(self, parser):
        parser.add_argument("archive")

    def handle(self, *args, archive, **options):
        try:
            report = restore_backup(Path(archive))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored {report.rows} rows in {report.tables} tables and "
                          f"{report.files} files.")
        for name, problems in report.checks.items():
            self.stdout.write(f"check {name}: {problems} problem(s)")
        for problem in report.problems:
            self.stderr.write(problem)
        if not report.ok:
            raise SystemExit(1)
        self.stdout.write("Everything matches the backup.")

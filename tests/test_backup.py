"""A backup restores into a fresh database and storage, and the restore proves it: every
file's SHA-256, every table's row count, every case record's hash chain (issue 15)."""

import os
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.db import connection

from ratusz.core.backup import create_backup, read_manifest, row_counts
from tests.test_isolation import build_world

REPO_ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.django_db(transaction=True)


def _fresh_database(tmp_path) -> tuple[str, callable]:
    """The URL of a new, empty database of the engine under test, and its clean-up."""
    if connection.vendor == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.sqlite3'}", lambda: None
    name = f"restore_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    settings = connection.settings_dict
    url = (f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST']}:"
           f"{settings['PORT']}/{name}")

    def drop():
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url, drop


def _restore(archive: Path, database_url: str, var: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "RATUSZ_VAR_DIR": str(var),
           "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    env.pop("REDIS_URL", None)
    return subprocess.run([sys.executable, "manage.py", "restore", str(archive)],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture
def world(municipality_a, department_a, make_staff):
    return build_world(municipality_a, department_a, make_staff, "alfa")


def test_a_backup_restores_whole_into_a_fresh_database(world, tmp_path):
    archive = tmp_path / "backup.tar"
    manifest = create_backup(archive, storage=default_storage)
    assert manifest["files"], "the world stores files (attachments, receipts, BIP)"
    assert manifest["rows"] == row_counts()
    assert read_manifest(archive) == manifest
    url, drop = _fresh_database(tmp_path)
    try:
        result = _restore(archive, url, tmp_path / "var")
    finally:
        drop()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Everything matches the backup." in result.stdout
    assert f"{len(manifest['files'])} files" in result.stdout
    assert "check case records: 0 problem(s)" in result.stdout
    restored = tmp_path / "var" / "media"
    assert sum(1 for path in restored.rglob("*") if path.is_file()) == len(manifest["files"])


def test_a_damaged_file_and_a_non_empty_target_are_reported(world, tmp_path):
    archive = tmp_path / "backup.tar"
    manifest = create_backup(archive, storage=default_storage)
    damaged = tmp_path / "damaged.tar"
    victim = f"files/{manifest['files'][0]['name']}"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member)
            if member.name == victim:
                content = b"X" + data.read()[1:]
                member.size = len(content)
                import io

                data = io.BytesIO(content)
            target.addfile(member, data)
    url, drop = _fresh_database(tmp_path)
    try:
        result = _restore(damaged, url, tmp_path / "var")
        assert result.returncode == 1
        assert "file differs after restore" in result.stderr
        # The same target again: it is not empty any more.
        again = _restore(archive, url, tmp_path / "var2")
    finally:
        drop()
    assert again.returncode != 0 and "not empty" in again.stderr

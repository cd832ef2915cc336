"""Backup and restore: the database and every stored file in one archive, checked on the
way back (docs/operations.md, "Backup and restore").

An archive is a tar file with
- `manifest.json`: when, which engine, the applied migrations, the row count of every
  table of the platform, and the name, size and SHA-256 of every stored file;
- `database.dump` (PostgreSQL, `pg_dump` custom format, INSERTs so that it loads under
  row-level security as the application's own role) or `database.sqlite3` (SQLite's
  online backup);
- `files/<name>`: the stored files, read through the storage API (local folder, memory or
  an object store alike).

A restore loads the database and the files into an empty target, then proves it: every
file's SHA-256, every table's row count, and the checks the apps register here (the EZD
recomputes every case record's hash chain).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from ratusz.core.tenancy import tenant_context

FORMAT = 1
CHUNK = 1024 * 1024
#: Run in every session of pg_dump and pg_restore: the wall open for the whole platform.
PG_OPTIONS = "-c ratusz.municipality_id=all"

#: name → function returning a list of problems (empty when sound); registered by the apps
#: in their AppConfig.ready().
_CHECKS: dict[str, Callable[[], list[str]]] = {}


class BackupError(Exception):
    pass


def register_check(name: str, check: Callable[[], list[str]]) -> None:
    """An app's own proof that a restored database is whole (run after every restore)."""
    _CHECKS[name] = check


@dataclass
class RestoreReport:
    files: int = 0
    tables: int = 0
    rows: int = 0
    checks: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# --- What is in the platform -------------------------------------------------------------

def platform_models():
    return [model for model in apps.get_models()
            if model.__module__.startswith("ratusz.") and not model._meta.proxy
            and model._meta.managed]


def row_counts() -> dict[str, int]:
    """Rows of every table of the platform, across all gminy."""
    with tenant_context(None, all_municipalities=True):
        return {model._meta.db_table: model._base_manager.count()
                for model in platform_models()}


def stored_files(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file in the storage, by name."""
    folders, files = storage.listdir(folder)
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for sub in sorted(folders):
        yield from stored_files(storage, f"{folder}/{sub}" if folder else sub)


def _sha256(handle) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


# --- PostgreSQL --------------------------------------------------------------------------

def _pg_bin(name: str) -> str:
    import glob

    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return found[0] if found else (shutil.which(name) or name)


def _pg_env(settings_dict: dict) -> tuple[list[str], dict]:
    args = ["-h", settings_dict.get("HOST") or "127.0.0.1",
            "-p", str(settings_dict.get("PORT") or 5432),
            "-U", settings_dict.get("USER") or "postgres"]
    env = {**os.environ, "PGOPTIONS": PG_OPTIONS, "PGPASSWORD": settings_dict.get(
        "PASSWORD") or ""}
    return args, env


def _dump_postgres(target: Path) -> None:
    args, env = _pg_env(connection.settings_dict)
    result = subprocess.run(
        [_pg_bin("pg_dump"), *args, "--format=custom", "--no-owner", "--no-privileges",
         "--enable-row-security", "--rows-per-insert=500", "--file", str(target),
         connection.settings_dict["NAME"]],
        env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")


def _restore_postgres(dump: Path, settings_dict: dict) -> None:
    args, env = _pg_env(settings_dict)
    result = subprocess.run(
        [_pg_bin("pg_restore"), *args, "--no-owner", "--no-privileges", "--exit-on-error",
         "--single-transaction", "--dbname", settings_dict["NAME"], str(dump)],
        env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")


# --- SQLite ------------------------------------------------------------------------------

def _dump_sqlite(target: Path) -> None:
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        connection.connection.backup(destination)
    finally:
        destination.close()


def _restore_sqlite(dump: Path, settings_dict: dict, alias: str) -> None:
    connections[alias].close()
    source = sqlite3.connect(dump)
    destination = sqlite3.connect(settings_dict["NAME"])
    try:
        source.backup(destination)
    finally:
        source.close()
        destination.close()


# --- The archive -------------------------------------------------------------------------

def create_backup(target: Path, *, storage: Storage | None = None) -> dict:
    """Write the archive to `target` (a .tar file); returns its manifest."""
    storage = storage or default_storage
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"no backup for the {vendor} database")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ratusz-backup-") as work:
        dump = Path(work) / ("database.dump" if vendor == "postgresql" else "database.sqlite3")
        manifest = {"format": FORMAT, "created_at": timezone.now().isoformat(),
                    "engine": vendor, "database": dump.name, "migrations": _migrations(),
                    "rows": row_counts(), "files": []}
        if vendor == "postgresql":
            _dump_postgres(dump)
        else:
            _dump_sqlite(dump)
        with dump.open("rb") as handle:
            manifest["database_sha256"], _size = _sha256(handle)
        partial = target.with_suffix(target.suffix + ".part")
        with tarfile.open(partial, "w") as archive:
            archive.add(dump, arcname=dump.name)
            for name in stored_files(storage):
                with storage.open(name, "rb") as handle:
                    sha256, size = _sha256(handle)
                with storage.open(name, "rb") as handle:
                    info = tarfile.TarInfo(f"files/{name}")
                    info.size = size
                    archive.addfile(info, handle)
                manifest["files"].append({"name": name, "size": size, "sha256": sha256})
            data = json.dumps(manifest, indent=1, ensure_ascii=False).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        partial.replace(target)  # a half-written archive never has the final name
    return manifest


def read_manifest(archive_path: Path) -> dict:
    with tarfile.open(archive_path, "r") as archive:
        member = archive.extractfile("manifest.json")
        if member is None:
            raise BackupError("the archive has no manifest")
        manifest = json.load(member)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown archive format {manifest.get('format')!r}")
    return manifest


def _database_is_empty(alias: str) -> bool:
    with connections[alias].cursor() as cursor:
        tables = connections[alias].introspection.table_names(cursor)
    return not tables


def restore_backup(archive_path: Path, *, storage: Storage | None = None,
                   alias: str = "default") -> RestoreReport:
    """Load the archive into the (empty) database `alias` and the storage, then check
    everything. A target that already holds tables is refused."""
    storage = storage or default_storage
    manifest = read_manifest(archive_path)
    target = connections[alias]
    if target.vendor != manifest["engine"]:
        raise BackupError(f"the archive holds a {manifest['engine']} database, the target is "
                          f"{target.vendor}")
    if not _database_is_empty(alias):
        raise BackupError("the target database is not empty: restore into a new database")
    report = RestoreReport()
    with tempfile.TemporaryDirectory(prefix="ratusz-restore-") as work, \
            tarfile.open(archive_path, "r") as archive:
        dump = Path(work) / manifest["database"]
        member = archive.extractfile(manifest["database"])
        if member is None:
            raise BackupError("the archive has no database dump")
        with dump.open("wb") as handle:
            shutil.copyfileobj(member, handle, CHUNK)
        with dump.open("rb") as handle:
            if _sha256(handle)[0] != manifest["database_sha256"]:
                raise BackupError("the database dump in the archive is damaged")
        if target.vendor == "postgresql":
            _restore_postgres(dump, target.settings_dict)
        else:
            _restore_sqlite(dump, target.settings_dict, alias)
        for entry in manifest["files"]:
            member = archive.extractfile(f"files/{entry['name']}")
            if member is None:
                report.problems.append(f"file missing from the archive: {entry['name']}")
                continue
            if storage.exists(entry["name"]):
                storage.delete(entry["name"])
            saved = storage.save(entry["name"], ContentFile(member.read()))
            if saved != entry["name"]:
                report.problems.append(f"file stored under another name: {entry['name']}")
            with storage.open(saved, "rb") as handle:
                sha256, size = _sha256(handle)
            if (sha256, size) != (entry["sha256"], entry["size"]):
                report.problems.append(f"file differs after restore: {entry['name']}")
            report.files += 1
    report.problems.extend(verify_restored(manifest, report))
    return report


def verify_restored(manifest: dict, report: RestoreReport) -> list[str]:
    """Row counts against the manifest, then every registered check."""
    problems = []
    counts = row_counts()
    for table, expected in manifest["rows"].items():
        found = counts.get(table)
        report.tables += 1
        report.rows += found or 0
        if found != expected:
            problems.append(f"{table}: {found} rows, the backup had {expected}")
    for name, check in sorted(_CHECKS.items()):
        found = check()
        report.checks[name] = len(found)
        problems.extend(f"{name}: {problem}" for problem in found)
    return problems

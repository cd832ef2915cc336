"""The import contracts (.importlinter) hold, and they can fail: a deliberately bad module
added to a copy of the tree breaks the same `lint-imports` run that `make test` makes."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

#: A module that breaks a contract, where it is put, and the contract that must say so.
BAD_MODULES = [
    ("ratusz/core/probe.py", "from ratusz.cases import services  # noqa\n",
     "core imports no other app"),
    ("ratusz/notifications/probe.py", "from ratusz.eservices import selectors  # noqa\n",
     "bulletin and notifications serve any app"),
    ("ratusz/bulletin/selectors/probe.py", "from ratusz.bulletin import services  # noqa\n",
     "bulletin:"),
    ("ratusz/eservices/probe.py", "from ratusz.cases import views  # noqa\n",
     "entry points"),
]


def _copy_tree(target: Path) -> None:
    shutil.copytree(REPO_ROOT / "ratusz", target / "ratusz",
                    ignore=shutil.ignore_patterns("*.pyc", "__pycache__", "static",
                                                  "templates", "locale", "fixtures"))
    shutil.copy(REPO_ROOT / ".importlinter", target / ".importlinter")


def _lint(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=folder,
                          env={"PYTHONPATH": str(folder), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    folder = tmp_path_factory.mktemp("architecture")
    _copy_tree(folder)
    return folder


def test_the_tree_keeps_every_contract(tree):
    result = _lint(tree)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("path", "source", "contract"), BAD_MODULES)
def test_a_forbidden_import_breaks_the_build(tree, path, source, contract):
    module = tree / path
    module.write_text(source)
    try:
        result = _lint(tree)
    finally:
        module.unlink()
    assert result.returncode == 1, result.stdout[-2000:]
    broken = result.stdout.split("Broken contracts")[-1]
    assert contract in broken, broken[:3000]
    assert path.removesuffix(".py").replace("/", ".") in broken

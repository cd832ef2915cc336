"""Sealed receipts per worker process (issue 18, goal 3): the cost of one receipt (UPP) and
of its parts, in one process, on a throw-away SQLite database.

    .venv/bin/python bench/receipts.py [--receipts 100] [--submissions 20]

Makes the gmina Benchowo with its letter service and a resident (ratusz.testing.chaos.world,
as the crash bench does), files --submissions requests through `services.submit` (receipts
made on demand are off: each is made here), then, --receipts times round-robin over them:

- layout: `receipts.render_receipt_pdf` (the fixed reportlab layout) — and, in the same
  run, the same words laid out as HTML through WeasyPrint, the way receipts were made
  before, for the ratio;
- seal PDF: `ezd.seal_pdf` of the laid-out receipt (PAdES, pyHanko);
- XML: `receipts.build_upo_xml` and `ezd.seal_xml` (XAdES, signxml);
- whole: `receipts.make_receipt` from a submission without a receipt (both forms, stored,
  recorded), which is what a worker does per task;
- ceiling: `ezd.seal_pdf` of a one-line PDF made by hand (the signature alone).

Prints the mean and p99 in milliseconds of each and the receipts per second one process
makes; the goal is >= 50 sealed receipts/s per worker process (MISS below it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT  # noqa: E402,F401 - puts the project on sys.path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
VAR = Path(tempfile.mkdtemp(prefix="ratusz-bench-receipts-"))
os.environ["RATUSZ_VAR_DIR"] = str(VAR)

GOAL_PER_SECOND = 50


def timed(function, runs: int) -> list[float]:
    times = []
    for index in range(runs):
        start = time.perf_counter()
        function(index)
        times.append((time.perf_counter() - start) * 1000)
    return times


def line(name: str, times: list[float]) -> str:
    p99 = sorted(times)[max(0, int(len(times) * 0.99) - 1)]
    return f"  {name:<34} mean {statistics.fmean(times):7.1f} ms   p99 {p99:7.1f} ms"


def weasyprint_layout(text) -> bytes:
    """The receipt's words as the former HTML page (its table and box), through WeasyPrint."""
    from html import escape

    from weasyprint import HTML

    rows = "".join(f"<tr><th>{escape(row.label)}</th><td>{escape(row.value)}</td></tr>"
                   for row in text.rows)
    html = (
        "<html lang='pl'><head><meta charset='utf-8'><style>@page { size: A4; "
        "margin: 20mm 18mm; } body { font-family: 'DejaVu Sans'; font-size: 10pt; } "
        "table { width: 100%; border-collapse: collapse; } th, td { text-align: left; "
        "padding: 2mm; border-bottom: 0.3mm solid #ccc; } .box { border: 0.4mm solid; "
        "padding: 4mm; }</style></head><body>"
        f"<h1>{escape(text.title)}</h1><p>{escape(text.lead)}</p><table>{rows}</table>"
        f"<div class='box'><p>{escape(text.code_intro)}</p><p>{escape(text.code)}</p>"
        f"<p><a href='{escape(text.status_note[1])}'>{escape(text.status_note[1])}</a></p>"
        f"</div><p><a href='{escape(text.verify_note[1])}'>{escape(text.verify_note[1])}"
        "</a></p></body></html>")
    return HTML(string=html).write_pdf()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receipts", type=int, default=100)
    parser.add_argument("--submissions", type=int, default=20)
    options = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.VAR_DIR = VAR
    settings.RATUSZ_RECEIPTS_ON_DEMAND = True  # nothing made behind the bench's back
    connection.creation.create_test_db(verbosity=0, autoclobber=True)

    from ratusz.cases import services as ezd
    from ratusz.core.tenancy import tenant_context
    from ratusz.eservices import receipts, services
    from ratusz.eservices.models import Submission
    from ratusz.testing.chaos.world import NAMES, create_world
    from ratusz.testing.pdf import tiny_pdf

    world = create_world("bench-password-1", VAR)
    municipality = world.municipality
    with tenant_context(municipality):
        resident = get_user_model().objects.get(username="bench.mieszkaniec")
        submissions = []
        for index in range(options.submissions):
            first, last = NAMES[index % len(NAMES)]
            submission, _created = services.submit(world.service, resident=resident, data={
                "first_name": first, "last_name": last, "subject": f"Sprawa {index}",
                "content": "Proszę o informację. " * 40})
            submissions.append(submission)
        pick = [Submission.objects.select_related(
            "case", "incoming__unit", "municipality", "service", "form_version").get(pk=s.pk)
            for s in submissions]
        now = django.utils.timezone.now()
        unit = world.office
        n = options.receipts

        def one(index):
            return pick[index % len(pick)]

        receipts.render_receipt_pdf(one(0), now)  # fonts registered, caches warm
        ezd.seal_pdf(tiny_pdf(["warm"]), unit)
        layout = timed(lambda i: receipts.render_receipt_pdf(one(i), now), n)
        text = receipts.receipt_text(one(0), now)
        weasy = timed(lambda i: weasyprint_layout(text), max(10, n // 5))
        laid_out = receipts.render_receipt_pdf(one(0), now)
        seal = timed(lambda i: ezd.seal_pdf(laid_out, unit,
                                            reason="Urzędowe poświadczenie przedłożenia"), n)
        xml = timed(lambda i: ezd.seal_xml(receipts.build_upo_xml(one(i), now), unit,
                                           description=receipts.XADES_DESCRIPTION,
                                           mime_type=receipts.XADES_MIME_TYPE), n)
        ceiling = timed(lambda i: ezd.seal_pdf(tiny_pdf([f"ceiling {i}"]), unit), n)

        def whole(index):
            submission = one(index)
            Submission.objects.filter(pk=submission.pk).update(receipt_created_at=None)
            submission.receipt_created_at = None
            receipts.make_receipt(submission)

        made = timed(whole, n)

    per_second = 1000 / statistics.fmean(made)
    print(f"receipts: {n} per measurement, {len(pick)} submissions, one process "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    print(line("layout (reportlab, fixed layout)", layout))
    print(line("layout as HTML (WeasyPrint, before)", weasy))
    print(line("seal the PDF (PAdES)", seal))
    print(line("build and seal the XML (XAdES)", xml))
    print(line("ceiling: seal a one-line PDF", ceiling))
    print(line("whole receipt (make_receipt)", made))
    ratio = statistics.fmean(weasy) / statistics.fmean(layout)
    print(f"  layout {ratio:.1f}x faster than WeasyPrint in this run")
    verdict = "MET" if per_second >= GOAL_PER_SECOND else "MISS"
    print(f"{verdict} {per_second:.1f} sealed receipts/s per process "
          f"(goal >= {GOAL_PER_SECOND}; the ceiling of sealing alone "
          f"{1000 / (statistics.fmean(ceiling) + statistics.fmean(xml)):.1f}/s with the XML)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

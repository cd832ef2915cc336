"""Monthly preschool fees for many children (issue 21).

    .venv/bin/python bench/education_fees.py [--children 5000] [--institutions 25] \
        [--database sqlite|postgres]

Builds a gmina with its collection account, --institutions preschools with their fee
policy and meal plan, and --children children, each with a parent identified through
login.gov.pl (the payer), an agreement, and last month's attendance (arrival and departure
on every open day, 8 % absences, half of them cancelled in time): set-up rows are
bulk-inserted, attendance goes through `services.import_attendance`. Then it times the
month end of every institution: `services.close_month` (compute every statement by the fee
function and issue it; its task, run eagerly on commit, makes the statements payments
obligations, one import per institution), then the same again (idempotent: nothing new).

Goal: the whole month end for 5,000 children <= 30 s. A missed goal prints MISS. When a
smaller run is asked for, the figure is also extrapolated linearly to 5,000 children.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_S = 30.0
TARGET = 5000


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISS"


def _pesel(serial: int) -> str:
    base = f"85{(serial // 28) % 12 + 1:02d}{serial % 28 + 1:02d}{serial % 10000:04d}"
    weights = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3]
    check = (10 - sum(int(d) * w for d, w in zip(base, weights, strict=True)) % 10) % 10
    return base + str(check)


def build(args):
    from django.utils import timezone

    from ratusz.accounts.identity import set_identified
    from ratusz.accounts.models import User
    from ratusz.core import services as core
    from ratusz.core.tenancy import tenant_context
    from ratusz.education import services
    from ratusz.education.models import AttendanceAgreement, Child, MealPlan
    from ratusz.education.services.attendance import first_of_month, month_days
    from ratusz.payments import services as payments
    from ratusz.testing.chaos.world import create_gmina

    gmina = create_gmina()
    municipality = gmina.municipality
    rng = random.Random(21)  # noqa: S311 - reproducible bench data
    today = timezone.localdate()
    month = first_of_month(first_of_month(today) - datetime.timedelta(days=1))
    days = month_days(month)
    with tenant_context(municipality):
        bban = "10901014" + f"{municipality.teryt:0<7}"[:7] + "000000000"
        from ratusz.payments import nrb

        payments.configure_collection_account(municipality, acting_user=None,
                                              nrb_number=nrb.check_digits(bban) + bban)
        institutions = []
        for index in range(args.institutions):
            unit = core.create_unit(municipality, acting_user=None,
                                    name=f"Przedszkole {index}", kind="preschool")
            institution = services.ensure_institution(unit, acting_user=None,
                                                      kind="preschool")
            services.set_fee_policy(institution, acting_user=None, free_hours=5,
                                    hourly_rate=144, resolution="Uchwała (bench)",
                                    cutoff=datetime.time(8), deduction_rule="cancelled_in_time")
            institutions.append(institution)
        plans = {i.pk: services.add_meal_plan(i, acting_user=None, name="Trzy posiłki",
                                              daily_cost=1200) for i in institutions}
        started = time.perf_counter()
        parents = User.objects.bulk_create([
            User(username=f"rodzic{n}", kind="resident", first_name="Rodzic",
                 last_name=f"N{n}") for n in range(args.children)], batch_size=2000)
        for n, parent in enumerate(parents):
            set_identified(parent, _pesel(n))
        children = Child.objects.bulk_create([
            Child(municipality=municipality, first_name=f"Dziecko{n}", last_name=f"N{n}",
                  birth_date=datetime.date(today.year - 4, 1, 1), identity_digest=f"{n:064x}",
                  identity_ciphertext="x") for n in range(args.children)], batch_size=2000)
        Child.guardians.through.objects.bulk_create([
            Child.guardians.through(child_id=c.pk, user_id=p.pk)
            for c, p in zip(children, parents, strict=True)], batch_size=5000)
        agreements = AttendanceAgreement.objects.bulk_create([
            AttendanceAgreement(
                municipality=municipality, child=child, payer=parent,
                institution=institutions[n % len(institutions)],
                meal_plan=plans[institutions[n % len(institutions)].pk],
                declared_from=datetime.time(7, 30), declared_until=datetime.time(16),
                valid_from=month, valid_until=month + datetime.timedelta(days=300))
            for n, (child, parent) in enumerate(zip(children, parents, strict=True))],
            batch_size=2000)
        print(f"  set-up rows: {time.perf_counter() - started:.1f} s", flush=True)
        started = time.perf_counter()
        for institution in institutions:
            rows = []
            for agreement in agreements:
                if agreement.institution_id != institution.pk:
                    continue
                for day in days:
                    if rng.random() < 0.08:
                        rows.append(services.AttendanceRow(
                            agreement.pk, day, absent=True,
                            meals_cancelled_in_time=rng.random() < 0.5))
                    else:
                        rows.append(services.AttendanceRow(
                            agreement.pk, day, datetime.time(7, rng.choice([0, 30])),
                            datetime.time(rng.choice([13, 15, 16]), rng.choice([0, 20]))))
            services.import_attendance(institution, rows, acting_user=None)
        print(f"  attendance ({len(days)} open days): {time.perf_counter() - started:.1f} s",
              flush=True)
    assert MealPlan.objects.count() == len(institutions)
    return municipality, institutions, month


def month_end(municipality, institutions, month) -> tuple[int, int]:
    from ratusz.core.tenancy import tenant_context
    from ratusz.education import services
    from ratusz.payments.models import Obligation

    issued = 0
    with tenant_context(municipality):
        for institution in institutions:
            # The obligations are created by the task queued on commit (run eagerly here).
            issued += services.close_month(institution, month, acting_user=None)["issued"]
        lines = Obligation.objects.filter(external_id__startswith="education.statement:").count()
    return issued, lines


def run(args) -> bool:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    if args.database == "sqlite":
        # The tables straight from the models (as the test runner makes them): replaying
        # every migration takes longer than the whole bench on this machine. What the
        # migrations add beyond the tables (PostgreSQL's row-level security, the national
        # tables) is not used by the month end on SQLite.
        settings.MIGRATION_MODULES = {app.label: None for app in django.apps.apps.get_app_configs()}
    started = time.perf_counter()
    call_command("migrate", verbosity=0, run_syncdb=True)
    print(f"  (database made in {time.perf_counter() - started:.0f} s)", flush=True)
    municipality, institutions, month = build(args)
    from ratusz.core.effects import registered_task

    registered_task("education.create_fee_obligations")  # a worker has its tasks loaded
    started = time.perf_counter()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        profile = cProfile.Profile()
        issued, lines = profile.runcall(month_end, municipality, institutions, month)
        profile.dump_stats(os.environ["BENCH_PROFILE"])
    else:
        issued, lines = month_end(municipality, institutions, month)
    elapsed = time.perf_counter() - started
    scaled = elapsed * TARGET / args.children
    ok = scaled <= GOAL_S
    print(f"month end of {month:%m.%Y}: {args.children} children in {len(institutions)} "
          f"preschools, {issued} statements, {lines} obligation lines: {elapsed:.2f} s "
          f"({args.children / elapsed:.0f} children/s)")
    if args.children != TARGET:
        print(f"  extrapolated to {TARGET} children: {scaled:.1f} s")
    print(f"  goal <= {GOAL_S:.0f} s for {TARGET}  [{verdict(ok)}]")
    started = time.perf_counter()
    again, _lines = month_end(municipality, institutions, month)
    print(f"repeat (idempotent): {again} new statements, {time.perf_counter() - started:.2f} s"
          f"  [{verdict(again == 0)}]")
    return ok and again == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=TARGET)
    parser.add_argument("--institutions", type=int, default=25)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    var = tempfile.mkdtemp(prefix="ratusz-bench-")
    os.environ.update(DJANGO_SETTINGS_MODULE="config.settings.dev", DEBUG="0",
                      LOG_LEVEL="WARNING", RATUSZ_STAFF_2FA_REQUIRED="0", RATUSZ_VAR_DIR=var,
                      CELERY_TASK_ALWAYS_EAGER="1")
    if args.database == "postgres":
        from ratusz.testing.services import postgres_server

        with postgres_server() as database_url:
            os.environ["DATABASE_URL"] = database_url
            return 0 if run(args) else 1
    os.environ["DATABASE_URL"] = f"sqlite:///{var}/bench.sqlite3"
    return 0 if run(args) else 1


if __name__ == "__main__":
    sys.exit(main())

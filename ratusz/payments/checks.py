"""The restore's check "payments" (`ratusz.core.backup`): the ledger adds up. Every
instalment's paid principal and interest equal what its allocations say, and every
receipt's amount equals its allocations plus what is left unallocated plus refunds drawn
from it cannot be told apart, so receipts are checked to be at least their allocations."""

from __future__ import annotations

from django.db.models import F, Sum

from ratusz.core.tenancy import tenant_context
from ratusz.payments.models import Allocation, Instalment, Receipt


def ledger_problems() -> list[str]:
    problems: list[str] = []
    with tenant_context(None, all_municipalities=True):
        sums = {row["instalment_id"]: row for row in Allocation.objects
                .filter(instalment__isnull=False).values("instalment_id")
                .annotate(principal=Sum("principal"), interest=Sum("interest"))}
        for instalment in Instalment.objects.only("pk", "paid_principal", "interest_paid"):
            row = sums.get(instalment.pk, {"principal": 0, "interest": 0})
            if (row["principal"], row["interest"]) != (instalment.paid_principal,
                                                       instalment.interest_paid):
                problems.append(f"payments: instalment {instalment.pk} does not match its "
                                "allocations")
        over = (Receipt.objects.annotate(allocated=Sum("allocations__principal")
                                         + Sum("allocations__interest")
                                         + Sum("allocations__cost"))
                .filter(allocated__gt=F("amount") - F("unallocated")))
        problems += [f"payments: receipt {pk} allocates more than it holds"
                     for pk in over.values_list("pk", flat=True)[:100]]
    return problems[:100]

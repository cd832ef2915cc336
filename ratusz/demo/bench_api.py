"""A benchmark-only endpoint: the least a registering request must do.

Mounted only with RATUSZ_BENCH_ENDPOINTS=1 (bench/ezd_register.py), so the benchmark can
print the rate of a bare endpoint of the same server beside the full register-and-open
path: authentication, one gapless number and one insert, in one transaction.
"""

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status

from ratusz.cases.services import next_in_sequence
from ratusz.core.models import AuditAction, AuditLog

router = Router(tags=["bench"])


@router.post("/counter", response={201: dict}, include_in_schema=False)
def counter(request: HttpRequest):
    municipality = request.auth.municipality
    with transaction.atomic(durable=True):
        number = next_in_sequence(municipality, "bench", timezone.localdate().year)
        AuditLog.objects.create(municipality=municipality, actor_label="bench",
                                action=AuditAction.CREATED, object_type="bench",
                                object_id=str(number))
    return Status(201, {"number": number})

"""Objects of the payments app that its URLs name, for the isolation walk
(tests/test_isolation.py)."""


def build(*, municipality, department, staff, resident, label) -> dict:
    return {"values": {}, "overrides": {}}

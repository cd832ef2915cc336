"""Demo data of the payments app."""


def ensure_demo(municipality, staff: dict, resident, *, issue_token) -> dict:
    """Create what is missing of the payments demo for this gmina (idempotent); returns what the
    gmina's entry of var/demo.json gains. `staff` maps the demo roles (registry_clerk,
    case_officer, head, secretary, admin, finance, education) to users; `issue_token(user,
    permissions)` re-issues that user's demo API token and returns its secret."""
    return {}


def ensure_platform_demo(municipalities: list) -> dict:
    """After every gmina: what spans gminy (the municipalities as loaded, by slug order of
    gminy.json); returns the top-level keys var/demo.json gains."""
    return {}

"""Full-text search over cases (placeholder index hook; the search engine lives here)."""


def index_case_by_id(case_id: int) -> None:
    """Refresh the search index of one case (called after commit)."""
    return None

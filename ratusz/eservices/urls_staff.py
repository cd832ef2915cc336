"""Staff pages of the e-services (under /g/<slug>/staff/e-uslugi/)."""

staff_patterns: list = []

"""Public pages of the gmina's e-office (under /g/<slug>/e-urzad/)."""

public_patterns: list = []

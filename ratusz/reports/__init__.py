"""Reports and indicators per unit, gmina and partnership of gminy, dashboards, open data,
and the unanswered-matters watch. It reads the other apps only through their selectors,
inside each gmina's own tenant context; only numbers leave it."""

"""The current alerts of the gmina for the banner on its public pages (evaluated only by
the pages that show the banner)."""

from ratusz.notifications import selectors


def alerts(request):
    municipality = getattr(request, "municipality", None)
    if municipality is None:
        return {}

    def current():
        return selectors.current_alerts(municipality)[:3]

    return {"gmina_alerts": current}

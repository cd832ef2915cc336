"""The current alerts of the gmina for the banner on its public pages (evaluated only by
the pages that show the banner)."""


def alerts(request):
    municipality = getattr(request, "municipality", None)
    if municipality is None:
        return {}

    def current():
        from ratusz.notifications.feeds import current_alerts

        return current_alerts(municipality)[:3]

    return {"gmina_alerts": current}

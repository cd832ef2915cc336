from django.conf import settings


def platform(request):
    """What every layout needs: the current gmina and the languages to switch to."""
    return {
        "municipality": getattr(request, "municipality", None),
        "languages": settings.LANGUAGES,
    }

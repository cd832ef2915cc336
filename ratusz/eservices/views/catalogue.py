"""The gmina's e-office catalogue, the service cards and the accessibility statement."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ratusz.eservices import selectors
from ratusz.eservices.models import Category, Service

#: The service for anything the catalogue has no card for.
GENERAL_LETTER = "pismo-ogolne"


@require_GET
def catalogue(request: HttpRequest, municipality_slug: str) -> HttpResponse:
    """The e-office: with nothing asked, the most used services and the life situations
    before the full list; else what the words, the category or the situation find."""
    municipality = request.municipality
    query = request.GET.get("q", "").strip()[:100]
    category = request.GET.get("kategoria", "")
    situation_slug = request.GET.get("sytuacja", "")
    situations = selectors.life_situations(municipality)
    situation = next((item for item in situations if item["slug"] == situation_slug), None)
    if query:
        services_found = selectors.search_services(municipality, query, category=category)
    else:
        services_found = selectors.catalogue_services(
            municipality, category=category,
            situation=situation["slug"] if situation else "")
    counts = selectors.category_counts(municipality)
    is_start = not (query or category or situation)
    return render(request, "eservices/catalogue.html", {
        "services": services_found, "query": query, "category": category,
        "situation": situation, "is_start": is_start,
        "most_used": selectors.most_used_services(municipality) if is_start else [],
        "situations": situations if is_start else [],
        "general_letter": selectors.published_service(municipality, GENERAL_LETTER),
        "categories": [(value, label, counts.get(value, 0))
                       for value, label in Category.choices if counts.get(value)],
        "total": sum(counts.values()),
    })


def published_or_404(request: HttpRequest, slug: str) -> Service:
    service = selectors.published_service(request.municipality, slug)
    if service is None:
        raise Http404
    return service


@require_GET
def card(request: HttpRequest, municipality_slug: str, slug: str) -> HttpResponse:
    service = published_or_404(request, slug)
    return render(request, "eservices/card.html", {"service": service})


@require_GET
def accessibility(request: HttpRequest, municipality_slug: str) -> HttpResponse:
    return render(request, "eservices/accessibility.html", {})

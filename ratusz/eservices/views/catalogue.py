"""The gmina's e-office catalogue, the service cards and the accessibility statement."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ratusz.eservices import selectors
from ratusz.eservices.models import Category, Service


@require_GET
def catalogue(request: HttpRequest, municipality_slug: str) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    category = request.GET.get("kategoria", "")
    services_found = selectors.published_services(request.municipality, query=query,
                                                  category=category)
    counts = selectors.category_counts(request.municipality)
    return render(request, "eservices/catalogue.html", {
        "services": services_found, "query": query, "category": category,
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

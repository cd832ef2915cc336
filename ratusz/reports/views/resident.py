"""The resident's late matter: that the office is late, on which legal basis, and the
ponaglenie (KPA art. 37) in one step."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ratusz.accounts.access import resident_required
from ratusz.reports import deadlines, forms, services, sources

SUGGESTED_REASONS = ("Sprawa nie została załatwiona w terminie, a organ nie zawiadomił mnie "
                     "o przyczynach zwłoki ani o nowym terminie. Wnoszę o stwierdzenie "
                     "bezczynności i wyznaczenie terminu załatwienia sprawy.")


@resident_required
@require_http_methods(["GET", "POST"])
def ponaglenie(request: HttpRequest, municipality_slug: str, public_id) -> HttpResponse:
    municipality = request.municipality
    submission = sources.own_submission(municipality, request.user, public_id)
    if submission is None:
        raise Http404
    clock = services.matter_clock(municipality, submission.case_id)
    late = services.late_matter(municipality, submission)
    form = forms.PonaglenieForm(request.POST or None,
                                initial={"reasons": SUGGESTED_REASONS})
    if request.method == "POST" and late is not None and form.is_valid():
        try:
            entry = services.file_ponaglenie(municipality, submission, resident=request.user,
                                             reasons=form.cleaned_data["reasons"])
        except services.WatchError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your ponaglenie is registered under number "
                                        "%(number)s. The office must forward it within 7 "
                                        "days.") % {"number": entry.incoming.number})
            return redirect("indicators:ponaglenie", municipality.slug, submission.public_id)
    basis = ""
    if clock is not None:
        basis = (deadlines.DELAY_NOTICE_BASIS if clock.is_extended
                 else deadlines.LEGAL_BASIS.get(clock.kind, ""))
    return render(request, "reports/resident/ponaglenie.html", {
        "submission": submission, "clock": clock, "late": late, "form": form,
        "basis": basis, "ponaglenie_basis": deadlines.PONAGLENIE_BASIS,
        "days_late": (timezone.localdate() - late.deadline).days if late else 0,
        "municipality": municipality}, status=400 if form.errors else 200)

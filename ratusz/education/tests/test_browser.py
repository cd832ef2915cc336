"""The recruitment journeys in a real browser, in Polish: a parent identified through the
login.gov.pl simulator applies for a preschool with two preferences and a statement, the
commission verifies, the allocation runs, the parent sees the result with its
explanation, confirms the will and sees "przyjęte"; another parent asks for the
justification and appeals, and the appeal becomes a case of the EZD with its deadline.
axe-core finds no serious or critical violation on the pages they use."""

from __future__ import annotations

import datetime
import re

import pytest

pytest.importorskip("playwright")

from django.utils import timezone  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from ratusz.accounts.identity import set_identified  # noqa: E402
from ratusz.accounts.permissions import Role  # noqa: E402
from ratusz.accounts.tests.factories import ResidentFactory  # noqa: E402
from ratusz.cases.models import Case  # noqa: E402
from ratusz.education import services  # noqa: E402
from ratusz.education.models import Application  # noqa: E402
from ratusz.education.tests.factories import apply, make_recruitment, valid_pesel  # noqa: E402
from ratusz.testing import browser as chromium  # noqa: E402
from ratusz.testing.browser import assert_accessible, sign_in  # noqa: E402
from ratusz.testing.pdf import tiny_pdf  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

browser = chromium.browser
new_page = chromium.new_page


@pytest.fixture
def officer(make_staff, municipality_a):
    return make_staff(municipality_a, Role.EDUCATION, username="alfa.oswiata",
                      first_name="Agnieszka", last_name="Dąbrowska")


def test_a_parent_applies_is_verified_allocated_confirms_and_is_admitted(
        new_page, live_server, municipality_a, department_a, resident, officer,
        logingov_live, tmp_path):
    recruitment = make_recruitment(municipality_a, department_a, places=(1, 1),
                                   names=["Przedszkole Słoneczko", "Przedszkole Tęcza"])
    campaign = recruitment["campaign"]
    parent = new_page()
    parent.goto(f"/g/{municipality_a.slug}/edukacja/rekrutacja/{campaign.pk}/")
    expect(parent.locator("h1")).to_contain_text(campaign.name)
    assert_accessible(parent)
    parent.get_by_role("link", name="Złóż wniosek").click()
    parent.locator("main a.button[href*='/auth/login-gov/start/']").click()
    expect(parent).to_have_url(re.compile(re.escape(logingov_live.url)))
    parent.get_by_label(re.compile(r"Ewa Mazur \(PESEL 90010112349\)")).check()
    parent.get_by_label("Profil zaufany").check()
    parent.get_by_role("button", name="Zaloguj").click()
    expect(parent).to_have_url(re.compile(rf"/rekrutacja/{campaign.pk}/wniosek/$"))
    assert_accessible(parent)

    parent.get_by_label("Imię dziecka").fill("Ola")
    parent.get_by_label("Nazwisko dziecka").fill("Mazur")
    parent.get_by_label("PESEL dziecka").fill(valid_pesel(datetime.date(2022, 4, 2), 41))
    parent.get_by_label("Adres zamieszkania dziecka").fill("ul. Polna 1, 24-220 Alfa")
    parent.locator("#preference_1").select_option(label="Przedszkole Słoneczko")
    parent.locator("#preference_2").select_option(label="Przedszkole Tęcza")
    parent.get_by_label(re.compile("Oboje rodzice pracują")).check()
    parent.locator("#id_statement_accepted").check()
    statement = tmp_path / "oswiadczenie.pdf"
    statement.write_bytes(tiny_pdf(["Oswiadczenie o zatrudnieniu"]))
    parent.locator("#id_documents").set_input_files(str(statement))
    parent.get_by_role("button", name="Złóż wniosek").click()
    expect(parent).to_have_url(re.compile(r"/edukacja/wnioski/[0-9a-f-]{36}/$"))
    expect(parent.locator("#application-status")).to_have_text("złożony")
    expect(parent.locator("main")).to_contain_text("oswiadczenie.pdf")
    assert_accessible(parent)
    application = Application.objects.get(campaign=campaign)

    # The commission of the first-choice preschool verifies; the allocation runs.
    commission = new_page()
    sign_in(commission, live_server, officer)
    commission.goto(f"/g/{municipality_a.slug}/staff/edukacja/wnioski/{application.pk}/")
    expect(commission.locator("main")).to_contain_text("oswiadczenie.pdf")
    assert_accessible(commission)
    commission.get_by_role("button", name="Zweryfikowano").click()
    expect(commission.locator("#application-status")).to_have_text("zweryfikowany")
    commission.goto(f"/g/{municipality_a.slug}/staff/edukacja/{campaign.pk}/")
    assert_accessible(commission)
    commission.get_by_role("button", name="Uruchom przydział").click()
    expect(commission.locator(".messages")).to_contain_text("Przydział został przeprowadzony")
    commission.get_by_role("button", name="Opublikuj listy zakwalifikowanych").click()
    expect(commission.locator("#campaign-status")).to_contain_text("potwierdzanie woli")

    # The parent sees the result with its explanation and confirms the will.
    parent.reload()
    expect(parent.locator("#application-status")).to_have_text("zakwalifikowane")
    expect(parent.locator("table.explanation")).to_contain_text("Przedszkole Słoneczko")
    expect(parent.locator("table.explanation")).to_contain_text("miejsce w tej placówce")
    expect(parent.locator("table.explanation")).to_contain_text("Oboje rodzice pracują: 20")
    assert_accessible(parent)
    parent.get_by_role("button", name="Potwierdzam wolę przyjęcia").click()
    expect(parent.locator("#application-status")).to_have_text("wola potwierdzona")

    commission.get_by_role("button", name="Opublikuj listy przyjętych").click()
    expect(commission.locator("#campaign-status")).to_have_text("listy przyjętych opublikowane")
    commission.goto(f"/g/{municipality_a.slug}/staff/edukacja/{campaign.pk}/listy/"
                    f"{recruitment['offers'][0].pk}/")
    expect(commission.locator("main")).to_contain_text("Mazur Ola")
    assert_accessible(commission)
    parent.reload()
    expect(parent.locator("#application-status")).to_have_text("przyjęte")
    assert_accessible(parent)


def test_another_parent_asks_for_the_justification_and_appeals(
        new_page, live_server, municipality_a, department_a, officer):
    recruitment = make_recruitment(municipality_a, department_a, places=(1, 0),
                                   names=["Przedszkole Słoneczko", "Przedszkole Tęcza"])
    first = recruitment["offers"][0]
    winner = apply(recruitment, [first], criteria=[(recruitment["large_family"].pk, None)])
    parent = ResidentFactory(username="zajac", first_name="Katarzyna", last_name="Zając")
    set_identified(parent, "92072408761")
    loser = apply(recruitment, [first], guardian=parent, first="Staś", last="Zając")
    campaign = recruitment["campaign"]
    services.allocate_campaign(campaign, acting_user=officer)
    services.publish_qualified_lists(campaign, acting_user=officer)
    services.confirm_will(Application.objects.get(pk=winner.pk), acting_user=officer)
    services.publish_admitted_lists(campaign, acting_user=officer)

    page = new_page()
    sign_in(page, live_server, parent)
    page.goto(f"/g/{municipality_a.slug}/edukacja/wnioski/{loser.public_id}/")
    expect(page.locator("#application-status")).to_have_text("nieprzyjęte")
    expect(page.locator("table.explanation")).to_contain_text(
        "miejsca otrzymali kandydaci z silniejszym pierwszeństwem")
    assert_accessible(page)
    page.get_by_role("button", name="Wystąp o uzasadnienie: Przedszkole Słoneczko").click()
    expect(page.locator(".messages")).to_contain_text("Wystąpiono do komisji o uzasadnienie")

    commission = new_page()
    sign_in(commission, live_server, officer)
    commission.goto(f"/g/{municipality_a.slug}/staff/edukacja/wnioski/{loser.pk}/")
    commission.get_by_label("Przyczyny odmowy przyjęcia").fill(
        "Dziecko nie spełnia kryteriów ustawowych; miejsce otrzymał kandydat z rodziny "
        "wielodzietnej.")
    commission.get_by_role("button", name="Sporządź uzasadnienie").click()
    expect(commission.locator(".messages")).to_contain_text("Uzasadnienie zostało sporządzone")

    page.reload()
    expect(page.locator("main")).to_contain_text(
        "Najniższa liczba punktów uprawniająca do przyjęcia: 100; punkty dziecka: 0.")
    page.get_by_label("Odwołanie do dyrektora").fill("Proszę o ponowne rozpatrzenie: "
                                                     "pracujemy oboje.")
    page.get_by_role("button", name="Złóż odwołanie").click()
    case = Case.objects.get(unit=first.institution.unit)
    decide_by = timezone.localdate() + datetime.timedelta(days=3)
    assert case.deadline == decide_by
    expect(page.locator(".messages")).to_contain_text(
        f"Odwołanie zarejestrowano jako sprawę {case.mark}")
    expect(page.locator("main")).to_contain_text(f"sprawa {case.mark}")
    assert_accessible(page)
    commission.reload()
    expect(commission.locator("main")).to_contain_text(case.mark)
    assert_accessible(commission)

"""Finding the gmina of a request: path prefix, host name, unknown and inactive gminy."""

import pytest

from ratusz.core.middleware import host_municipality_slug
from ratusz.core.models import Municipality
from ratusz.core.tenancy import get_current_municipality


def test_path_prefix_serves_the_gmina_home(client, municipality_a, department_a):
    response = client.get("/g/alfa/")
    assert response.status_code == 200
    assert response.context["municipality"] == municipality_a
    assert "Gmina Alfa" in response.content.decode()
    assert "Referat Organizacyjny" in response.content.decode()


def test_gmina_home_lists_only_its_own_units_and_departments(client, municipality_a,
                                                             department_a, department_b):
    response = client.get("/g/alfa/")
    assert list(response.context["departments"]) == [department_a]
    assert all(unit.municipality_id == municipality_a.pk for unit in response.context["units"])


@pytest.mark.parametrize(
    ("host", "expected"),
    [("alfa.localhost", "alfa"), ("ALFA.localhost:8000", "alfa"), ("localhost", None),
     ("a.b.localhost", None), ("alfa.example.org", None), (".localhost", None)],
)
def test_host_name_gives_the_slug(host, expected, settings):
    settings.RATUSZ_BASE_DOMAIN = "localhost"
    assert host_municipality_slug(host) == expected


def test_host_name_serves_the_gmina_without_prefix(client, municipality_a):
    response = client.get("/", HTTP_HOST="alfa.localhost")
    assert response.status_code == 200
    assert response.context["municipality"] == municipality_a


def test_platform_paths_stay_platform_on_a_gmina_host(client, municipality_a):
    response = client.get("/healthz", HTTP_HOST="alfa.localhost")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_unknown_gmina_is_a_404_in_the_gmina_less_layout(client, municipality_a):
    response = client.get("/g/nie-ma-takiej/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "layout-platform" in body
    assert "nie-ma-takiej" in body
    assert "Gmina Alfa" not in body


def test_unknown_host_gmina_is_a_404(client, municipality_a):
    response = client.get("/", HTTP_HOST="zeta.localhost")
    assert response.status_code == 404


def test_inactive_gmina_is_not_found(client, municipality_a):
    Municipality.objects.filter(pk=municipality_a.pk).update(is_active=False)
    assert client.get("/g/alfa/").status_code == 404
    assert "Gmina Alfa" not in client.get("/").content.decode()


def test_unknown_page_of_a_gmina_is_a_404_in_its_layout(client, municipality_a):
    response = client.get("/g/alfa/nie-istnieje/")
    assert response.status_code == 404
    assert "layout-public" in response.content.decode()


def test_the_tenant_does_not_leak_after_the_request(client, municipality_a):
    client.get("/g/alfa/")
    assert get_current_municipality() is None

def test_platform_home_lists_active_municipalities(client, municipality_a, municipality_b):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Gmina Alfa" in body and "Gmina Beta" in body

import pytest

pytestmark = pytest.mark.django_db


def test_it_documents_only_our_api_in_the_schema(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/v1/members/" in text and "/admin/api/" not in text
    assert client.get("/api/docs/").status_code == 200


def test_it_requires_login(personas, client):
    response = client.get("/api/v1/members/")
    assert response.status_code == 403
    assert "身份认证" in response.json()["detail"]


def test_it_returns_the_members_own_profile_masked(personas, client_for):
    data = client_for(personas.member.user).get("/api/v1/me/").json()
    assert data["name"] == "小明"
    assert data["id_number"] == personas.member.id_number_masked
    assert data["phone"] == "138****8000"
    assert client_for(personas.admin_a).get("/api/v1/me/").status_code == 404


def test_it_scopes_member_and_organization_lists(personas, client_for):
    client = client_for(personas.admin_a)
    names = {m["name"] for m in client.get("/api/v1/members/").json()["results"]}
    assert names == {"小明", "小红"}
    orgs = client.get("/api/v1/organizations/").json()
    assert {o["code"] for o in orgs["results"]} == {"TA", "TA1", "TA2"}
    assert client.get(f"/api/v1/members/{personas.member_x.pk}/").status_code == 404
    assert client.get(f"/api/v1/organizations/{personas.x1.pk}/").status_code == 404
    assert client.get(f"/api/v1/members/?organization={personas.x1.pk}").status_code == 404
    only_a2 = client.get(f"/api/v1/members/?organization={personas.a2.pk}").json()
    assert [m["name"] for m in only_a2["results"]] == ["小红"]
    children = client.get(f"/api/v1/organizations/?parent={personas.branch_group_a.pk}").json()
    assert {o["code"] for o in children["results"]} == {"TA1", "TA2"}
    assert all(o["parent"] == personas.branch_group_a.pk for o in children["results"])


def test_it_gives_members_no_access_to_lists(personas, client_for):
    client = client_for(personas.member.user)
    assert client.get("/api/v1/members/").json()["count"] == 0
    assert client.get("/api/v1/organizations/").json()["count"] == 0
    assert client.get(f"/api/v1/members/{personas.member.pk}/").status_code == 404


@pytest.mark.parametrize("query", ["organization=abc", "organization=-1", "organization=99999999999999999999",
                                   "status=boss", "political_status=x"])
def test_it_answers_bad_filters_with_400_in_chinese(personas, client_for, query):
    response = client_for(personas.admin_a).get(f"/api/v1/members/?{query}")
    assert response.status_code == 400
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(response.json()))


def test_it_refuses_writes(personas, client_for):
    response = client_for(personas.superuser).post("/api/v1/members/", {"name": "x"})
    assert response.status_code == 405


def test_it_answers_api_paths_no_view_matches_with_the_json_error(personas, client_for):
    client = client_for(personas.admin_a)
    for url in ("/api/v1/members/-1/", "/api/v1/exams/attempts/-5/answers/", "/api/v1/nothing-here/"):
        response = client.get(url)
        assert response.status_code == 404 and response["Content-Type"] == "application/json", url
        assert response.json()["code"] == "not_found" and any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["detail"])
    assert "text/html" in client.get("/no-such-page/").get("Content-Type", "")


def test_it_documents_unknown_gender_and_education_as_blank(personas, client_for):
    me = client_for(personas.member.user).get("/api/v1/me/").json()
    assert me["gender"] == "" and me["education"] == ""
    components = client_for(personas.member.user).get("/api/schema/?format=json").json()["components"]["schemas"]
    assert components["BlankEnum"]["enum"] == [""]
    for name in ("gender", "education"):
        assert {"$ref": "#/components/schemas/BlankEnum"} in components["Member"]["properties"][name]["oneOf"]

"""The JSON API: token auth, organisations, members, tokens, audit, pagination, RFC 9457 problems, OpenAPI."""

from __future__ import annotations

from tests.web.harness import World, make_user


def test_me_describes_the_caller_and_the_token_scope(world: World) -> None:
    me = world.api("manager").get("/api/v1/me").json()
    assert (
        me["email"] == world.email("manager")
        and me["token_org_id"] == world.a
        and me["token_role"] == "manager"
    )
    assert "members.view" in me["permissions"] and "members.manage" not in me["permissions"]
    assert me["memberships"] == [{"org_id": world.a, "org_name": "Commune A", "role": "manager"}]


def test_organisations_visible_to_a_token_are_its_own(world: World) -> None:
    api = world.api("viewer")
    page = api.get("/api/v1/orgs").json()
    assert (
        page["total"] == 1
        and page["items"][0]["name"] == "Commune A"
        and page["items"][0]["role"] == "viewer"
    )
    org = api.get(f"/api/v1/orgs/{world.a}").json()
    assert org["employees"] == 300 and org["country"] == "FR"
    assert api.get(f"/api/v1/orgs/{world.b}").status_code == 404
    assert api.get("/api/v1/orgs/999999").status_code == 404


def test_members_are_paginated_in_the_database_with_links(world: World) -> None:
    for i in range(7):
        make_user(world.url, f"extra{i}@a.example.org", roles={world.a: "viewer"})
    api = world.api("admin")
    first = api.get(f"/api/v1/orgs/{world.a}/members?per_page=5").json()
    assert first["total"] == 12 and first["pages"] == 3 and len(first["items"]) == 5 and first["prev"] is None
    assert first["next"] == f"/api/v1/orgs/{world.a}/members?per_page=5&page=2"
    last = api.get(first["next"].replace("page=2", "page=3")).json()
    assert len(last["items"]) == 2 and last["next"] is None
    emails = [m["email"] for m in first["items"]] + [
        m["email"] for m in api.get(first["next"]).json()["items"]
    ]
    assert emails == sorted(emails)
    bad = api.get(f"/api/v1/orgs/{world.a}/members?per_page=5000")
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    problem = bad.json()
    assert problem["status"] == 422 and problem["title"] == "Unprocessable Content"
    assert problem["errors"][0]["location"] == "query" and problem["errors"][0]["field"] == "per_page"


def test_members_are_managed_by_admins_only(world: World) -> None:
    admin, manager = world.api("admin"), world.api("manager")
    body = {"email": "admin@b.example.org", "role": "technician"}
    assert manager.post(f"/api/v1/orgs/{world.a}/members", json=body).status_code == 403
    added = admin.post(f"/api/v1/orgs/{world.a}/members", json=body)
    assert added.status_code == 201 and added.json()["role"] == "technician"
    uid = added.json()["user_id"]
    assert admin.put(f"/api/v1/orgs/{world.a}/members/{uid}", json={"role": "owner"}).status_code == 422
    assert (
        admin.put(f"/api/v1/orgs/{world.a}/members/{uid}", json={"role": "viewer"}).json()["role"] == "viewer"
    )
    own = admin.delete(f"/api/v1/orgs/{world.a}/members/{world.users['admin']}")
    assert own.status_code == 422 and "own role" in own.json()["detail"]
    assert admin.delete(f"/api/v1/orgs/{world.a}/members/{uid}").status_code == 204
    assert admin.delete(f"/api/v1/orgs/{world.a}/members/{uid}").status_code == 404
    missing = admin.post(f"/api/v1/orgs/{world.a}/members", json={"email": "ghost@x.org", "role": "viewer"})
    assert missing.status_code == 404 and missing.json()["instance"] == f"/api/v1/orgs/{world.a}/members"


def test_tokens_created_through_the_api_stay_within_the_caller(world: World) -> None:
    api = world.api("technician")
    made = api.post(
        f"/api/v1/orgs/{world.a}/tokens", json={"name": "agent", "role": "viewer", "expires_days": 7}
    )
    assert made.status_code == 201 and made.json()["token"].startswith("sobre_")
    assert api.post(f"/api/v1/orgs/{world.a}/tokens", json={"name": "x", "role": "admin"}).status_code == 422
    listed = api.get("/api/v1/tokens").json()
    assert listed["total"] == 2 and all("token" not in t for t in listed["items"])
    assert {t["state"] for t in listed["items"]} == {"active"}


def test_audit_endpoint_lists_the_organisation_entries(world: World) -> None:
    admin = world.api("admin")
    admin.post(f"/api/v1/orgs/{world.a}/members", json={"email": "admin@b.example.org", "role": "viewer"})
    page = admin.get(f"/api/v1/orgs/{world.a}/audit?entity=web_membership&per_page=2").json()
    assert page["items"][0]["actor"] == world.email("admin") and page["items"][0]["via"] == "api"
    assert page["items"][0]["after"]["role"] == "viewer"
    assert world.api("manager").get(f"/api/v1/orgs/{world.a}/audit").status_code == 403


def test_errors_are_problem_documents(sqlite_world: World) -> None:
    anonymous = sqlite_world.anonymous()
    for r in (anonymous.get("/api/v1/me"), anonymous.get("/api/v1/nothing-here")):
        assert r.headers["content-type"] == "application/problem+json"
        body = r.json()
        assert {"type", "title", "status", "instance"} <= set(body) and body["type"] == "about:blank"
    assert anonymous.get("/api/v1/me").headers["www-authenticate"].startswith("Bearer")
    api = sqlite_world.api("admin")
    assert api.post(f"/api/v1/orgs/{sqlite_world.a}/members", content=b"{not json").status_code == 422


def test_the_openapi_document_describes_auth_pagination_and_problems(sqlite_world: World) -> None:
    doc = sqlite_world.anonymous().get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.") and doc["info"]["title"] == "Sobre API"
    assert doc["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    members = doc["paths"]["/orgs/{org}/members"]["get"]
    assert {p["name"] for p in members["parameters"]} >= {"org", "page", "per_page"}
    assert "application/problem+json" in members["responses"]["403"]["content"]
    assert "/sign-in" not in doc["paths"]  # pages stay out of the API document

"""Against a running ``sobre serve``: the OpenAPI schema fuzzed with schemathesis; PostgreSQL end to end."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings

from sobre.core.db import session_scope
from sobre.core.settings import load_settings
from sobre.orgs import service as orgs
from sobre.web import service
from tests.web.harness import PASSWORD, make_user
from tests.web.live import live_server

#: Examples per operation: enough to reach every parameter's edges, small enough for a fast suite.
EXAMPLES = 25


def _populate(url: str) -> str:
    with session_scope(url) as s:
        a = orgs.create(s, "Ville A", employees=10).id
        b = orgs.create(s, "Ville B").id
    admin = make_user(url, "admin@a.example.org", roles={a: "admin"})
    make_user(url, "viewer@a.example.org", roles={a: "viewer"})
    make_user(url, "other@b.example.org", roles={b: "admin"})
    with session_scope(url) as s:
        _, text = service.create_token(
            s, service.user_by_id(s, admin), a, "admin", "fuzz", allowed_roles=["admin"]
        )
    return text


@pytest.fixture(scope="module")
def fuzz_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    home = tmp_path_factory.mktemp("fuzz") / "home"
    token = _populate(load_settings(home).database_url)
    with live_server(home) as base:
        yield base, token


@pytest.mark.long
def test_openapi_schema_fuzzed_without_a_server_error(fuzz_target: tuple[str, str]) -> None:
    import schemathesis
    from schemathesis.checks import not_a_server_error

    base, token = fuzz_target
    schema = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    # Deletions last, so that the fuzzer does not revoke its own token before the other operations run.
    operations.sort(key=lambda op: op.method.upper() == "DELETE")
    headers = {"authorization": f"Bearer {token}"}
    statuses: list[int] = []
    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call(base_url=f"{base}/api/v1", headers=headers, timeout=30)
            statuses.append(response.status_code)
            case.validate_response(response, checks=[not_a_server_error])

        check()
    # The fuzzer reached the handlers (successes), not only the validation layer.
    assert len(statuses) >= 5 * len(operations) and sum(200 <= s < 300 for s in statuses) >= len(operations)
    print(
        f"schemathesis: {len(operations)} operations, {len(statuses)} calls, statuses {sorted(set(statuses))}"
    )


@pytest.mark.postgres
def test_serve_on_postgresql_signs_in_and_answers_the_api(pg_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = pg_server.create_database("live_web")
    token = _populate(url)
    home = tmp_path / "home"
    with live_server(home, database_url=url, workers=2) as base, httpx.Client(base_url=base) as client:
        assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
        page = client.get("/sign-in")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        r = client.post(
            "/sign-in", data={"email": "admin@a.example.org", "password": PASSWORD, "csrf_token": csrf}
        )
        assert r.status_code == 303
        members = client.get("/o/1/members")
        assert members.status_code == 200 and "viewer@a.example.org" in members.text
        me = httpx.get(f"{base}/api/v1/me", headers={"authorization": f"Bearer {token}"}).json()
        assert me["email"] == "admin@a.example.org"
    assert not (home / "sobre.db").exists()  # the PostgreSQL database served, not a SQLite file

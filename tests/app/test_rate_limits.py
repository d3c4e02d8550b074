"""Rate limits per key, and per client address for requests without one: 429 problems with
Retry-After (the ``limits`` library counts)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from app.db import Database

RECOGNIZE = {"text": "La traite des personnes.", "src": "fr", "tgt": "en"}


def test_requests_over_the_limit_get_a_429_with_retry_after(
    database: Database,
    bearer: Callable[[str], dict[str, str]],
    make_client: Callable[..., TestClient],
    make_key: Callable[..., str],
) -> None:
    with make_client(database.url, role=None, rate_limit="3/minute") as client:
        for _ in range(3):
            assert client.get("/v1/terms", params={"q": "traite"}).status_code == 200
        refused = client.get("/v1/terms", params={"q": "traite"})
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"].endswith("/rate-limited")
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert "client address" in refused.json()["detail"]
        # a key counts on its own
        key = make_key(database.url, "reader", "rita")
        for _ in range(3):
            assert client.get("/v1/concepts/1", headers=bearer(key)).status_code == 200
        over = client.get("/v1/concepts/1", headers=bearer(key))
        assert over.status_code == 429 and "per key" in over.json()["detail"]
        # the probes are never limited
        assert client.get("/livez").status_code == 200


def test_heavy_operations_have_their_own_lower_limit(
    database: Database, make_client: Callable[..., TestClient]
) -> None:
    with make_client(
        database.url, role=None, rate_limit="100/minute", rate_limit_heavy="2/minute"
    ) as client:
        for _ in range(2):
            assert client.post("/v1/terms/recognize", json=RECOGNIZE).status_code == 200
        refused = client.post("/v1/terms/recognize", json=RECOGNIZE)
        assert refused.status_code == 429 and "heavy" in refused.json()["detail"]
        assert client.get("/v1/termbase/export").status_code == 429  # heavy too
        assert client.get("/v1/terms", params={"q": "traite"}).status_code == 200  # not heavy


def test_limits_can_be_turned_off(
    database: Database, make_client: Callable[..., TestClient]
) -> None:
    with make_client(database.url, role=None, rate_limit="off", rate_limit_heavy="off") as client:
        assert client.app.state.rate_limits is None  # type: ignore[attr-defined]
        for _ in range(20):
            assert client.post("/v1/terms/recognize", json=RECOGNIZE).status_code == 200


def test_a_malformed_limit_is_a_settings_error() -> None:
    import pytest
    from pydantic import ValidationError

    from app.settings import Settings

    with pytest.raises(ValidationError, match="rate limit"):
        Settings(rate_limit="lots")
    assert Settings(rate_limit_heavy="").rate_limit_heavy == "off"

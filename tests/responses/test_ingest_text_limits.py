"""Text both databases can hold: PostgreSQL cannot store U+0000, so it is refused everywhere."""

from __future__ import annotations

import httpx
import pytest

from tests.support.ingest_support import changes_nothing, nps
from tests.support.problems import assert_problem
from tests.support.service import Service


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"comment": "fast\x00checkout"}, "comment"),
        ({"properties": {"plan": "gold\x00"}}, "properties.plan"),
        ({"properties": {"pl\x00an": "gold"}}, "properties.pl\x00an.[key]"),
        ({"respondent": "cust\x0042"}, "respondent"),
        ({"idempotency_key": "k\x001"}, "idempotency_key"),
    ],
)
async def test_a_nul_character_is_a_422_naming_the_field_on_both_databases(
    service: Service, api: httpx.AsyncClient, fields: dict[str, object], named: str
) -> None:
    async with changes_nothing(service.db):
        response = await api.post("/v1/responses", json=nps(9, **fields))
    problem = assert_problem(response, "validation-failed", fields=...)
    assert problem["errors"][0]["message"] == "may not contain the NUL character (U+0000)"


async def test_a_comment_patch_with_a_nul_character_changes_nothing(
    service: Service, api: httpx.AsyncClient
) -> None:
    created = (await api.post("/v1/responses", json=nps(9))).json()
    async with changes_nothing(service.db):
        response = await api.patch(f"/v1/responses/{created['id']}", json={"comment": "a\x00b"})
    assert_problem(response, "validation-failed", fields=["comment"])


async def test_timestamps_far_from_our_era_are_a_422_not_an_overflow(
    api: httpx.AsyncClient,
) -> None:
    for since in ("0001-01-01T00:00:00+05:30", "9999-12-31T23:00:00Z"):
        response = await api.get("/v1/responses", params={"since": since})
        assert_problem(response, "validation-failed", fields=["since"])


async def test_tz_must_be_an_iana_name_not_the_hosts_clock(api: httpx.AsyncClient) -> None:
    for zone in ("localtime", "posixrules", "Mars/Olympus"):
        response = await api.get("/v1/scores/series", params={"metric": "nps", "tz": zone})
        assert_problem(response, "validation-failed", fields=["tz"])

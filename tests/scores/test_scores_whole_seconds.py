"""Times are kept to the second, and a score names exactly the range it counted."""

from __future__ import annotations

import httpx
import pytest

ANSWER_AT = "2026-11-20T10:30:15Z"


async def _one_answer(api: httpx.AsyncClient) -> None:
    stored = await api.post(
        "/v1/responses",
        json={"metric": "nps", "score": 9, "responded_at": "2026-11-20T10:30:15.900Z"},
    )
    assert stored.json()["responded_at"] == ANSWER_AT  # the fraction is not kept


@pytest.mark.parametrize(
    ("since", "until", "named", "counted"),
    [
        ("2026-11-20T10:30:15Z", "2026-11-20T11:00:00Z", ("10:30:15", "11:00:00"), 1),
        ("2026-11-20T10:30:14.2Z", "2026-11-20T11:00:00Z", ("10:30:15", "11:00:00"), 1),
        ("2026-11-20T10:30:15.5Z", "2026-11-20T11:00:00Z", ("10:30:16", "11:00:00"), 0),
        ("2026-11-20T10:00:00Z", "2026-11-20T10:30:15.5Z", ("10:00:00", "10:30:16"), 1),
        ("2026-11-20T10:00:00Z", "2026-11-20T10:30:14.5Z", ("10:00:00", "10:30:15"), 0),
    ],
)
async def test_a_fraction_of_a_second_rounds_the_bound_up_and_the_answer_names_it(
    api: httpx.AsyncClient, since: str, until: str, named: tuple[str, str], counted: int
) -> None:
    await _one_answer(api)

    body = (
        await api.get("/v1/scores", params={"metric": "nps", "since": since, "until": until})
    ).json()

    assert (body["since"], body["until"]) == tuple(f"2026-11-20T{t}Z" for t in named)
    assert body["overall"]["responses"] == counted


async def test_a_series_names_its_range_in_whole_seconds_too(api: httpx.AsyncClient) -> None:
    params = {
        "metric": "nps",
        "interval": "hour",
        "window": "1h",
        "since": "2026-11-20T09:59:59.1Z",
        "until": "2026-11-20T10:30:15.5Z",
    }
    await _one_answer(api)

    body = (await api.get("/v1/scores/series", params=params)).json()

    assert (body["since"], body["until"]) == ("2026-11-20T10:00:00Z", "2026-11-20T10:30:16Z")
    assert [(p["at"], p["responses"]) for p in body["points"]] == [("2026-11-20T10:30:16Z", 1)]

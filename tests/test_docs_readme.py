"""README.md is true: its examples are answered as it says they are."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import Settings

FENCED = re.compile(r"```(?P<lang>\w+)\n(?P<body>.*?)```", re.DOTALL)
CURL_BODY = re.compile(r"-d '(?P<body>.*?)'", re.DOTALL)
ANY = "…"  # the README's placeholder for a value that differs on every run


def example_after(readme: str, marker: str) -> tuple[Any, Any]:
    """The JSON body of the first curl that names ``marker``, and the JSON block after it."""
    blocks = list(FENCED.finditer(readme))
    for position, block in enumerate(blocks):
        if block["lang"] == "sh" and marker in block["body"]:
            body = CURL_BODY.search(block["body"])
            assert body, f"the README's curl to {marker} sends a -d '…' body"
            answer = next(b for b in blocks[position + 1 :] if b["lang"] == "json")
            return json.loads(body["body"]), json.loads(answer["body"])
    raise AssertionError(f"README.md has no curl example of {marker}")


def matches(found: Any, documented: Any) -> bool:
    if documented == ANY:
        return True
    if isinstance(documented, dict):
        return (
            isinstance(found, dict)
            and found.keys() == documented.keys()
            and all(matches(found[name], documented[name]) for name in documented)
        )
    if isinstance(documented, list):
        return (
            isinstance(found, list)
            and len(found) == len(documented)
            and all(matches(f, d) for f, d in zip(found, documented, strict=True))
        )
    return bool(found == documented)


async def test_the_batch_example_is_answered_as_the_readme_shows(
    api: httpx.AsyncClient, repo_root: Path
) -> None:
    body, documented = example_after((repo_root / "README.md").read_text(), "/v1/responses/batch")

    answer = await api.post("/v1/responses/batch", json=body)

    assert answer.status_code == 200
    assert matches(answer.json(), documented), answer.json()


async def test_the_batch_example_sent_again_is_two_replays_and_sent_changed_a_conflict(
    api: httpx.AsyncClient, repo_root: Path
) -> None:
    body, _ = example_after((repo_root / "README.md").read_text(), "/v1/responses/batch")
    first = (await api.post("/v1/responses/batch", json=body)).json()["results"]

    again = (await api.post("/v1/responses/batch", json=body)).json()["results"]
    changed = {"responses": [body["responses"][0] | {"score": 3}]}
    conflict = (await api.post("/v1/responses/batch", json=changed)).json()["results"]

    assert [(r["status"], r.get("id")) for r in again] == [
        ("duplicate", first[0]["id"]),
        ("duplicate", first[1]["id"]),
        ("invalid", None),
    ]
    assert [(r["status"], r["id"]) for r in conflict] == [("conflict", first[0]["id"])]
    stored = (await api.get(f"/v1/responses/{first[0]['id']}")).json()
    assert stored["score"] == body["responses"][0]["score"]  # left as it was


async def test_a_batch_idempotency_key_header_keys_each_item_without_its_own(
    api: httpx.AsyncClient,
) -> None:
    items = [{"metric": "nps", "score": 9}, {"metric": "nps", "score": 7, "idempotency_key": "own"}]

    await api.post(
        "/v1/responses/batch", json={"responses": items}, headers={"Idempotency-Key": "pos-7"}
    )
    listed = (await api.get("/v1/responses")).json()["data"]

    assert sorted(r["idempotency_key"] for r in listed) == ["own", "pos-7:0"]


@pytest.mark.parametrize(
    ("path", "window", "seconds"),
    [
        ("/v1/scores", "1h", 10),
        ("/v1/scores", "12h", 30),
        ("/v1/scores", "1d", 60),
        ("/v1/scores", "7d", 300),
        ("/v1/scores", "30d", 300),
        ("/v1/scores/series", "1d", 60),
        ("/v1/scores/series", "30d", 300),
    ],
)
async def test_a_score_may_be_kept_privately_a_minute_per_day_of_window(
    api: httpx.AsyncClient, path: str, window: str, seconds: int
) -> None:
    answer = await api.get(path, params={"metric": "nps", "window": window})

    assert answer.headers["cache-control"] == f"private, max-age={seconds}"


def test_the_settings_table_lists_every_setting_with_its_default(repo_root: Path) -> None:
    readme = (repo_root / "README.md").read_text()
    table = readme[readme.index("## Settings") :].split("\n\n")[2]
    rows = [line.split(" | ") for line in table.splitlines()[2:]]
    documented = {name.strip("| `"): default.strip("`") for name, default, *_ in rows}

    names = {f"TOUCHPOINT_{field.upper()}": field for field in Settings.model_fields}
    assert set(documented) == set(names)
    defaults = Settings.model_construct()
    for variable, field in names.items():
        value = getattr(defaults, field)
        if value is None or value == []:
            continue  # described in words ("generated and kept in the database", `[]`)
        assert type(value)(documented[variable]) == value, variable

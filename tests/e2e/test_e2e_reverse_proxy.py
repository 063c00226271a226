"""Behind a reverse proxy (docs/deployment.md): `touchpoint serve` believes the proxy's
X-Forwarded-Proto and X-Forwarded-For only from the addresses in FORWARDED_ALLOW_IPS."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.e2e_support import TOUCHPOINT, Command, Launcher, RunningServer

pytest_plugins = ["tests.support.e2e_fixtures"]
pytestmark = pytest.mark.e2e

# What nginx sends with the recipe's proxy_set_header lines, for a customer at 203.0.113.7.
FORWARDED = {
    "Host": "feedback.example.com",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-For": "203.0.113.7",
}


def _serving_with(allowed: str | None) -> Command:
    def command(port: int, workers: int) -> list[str]:
        setting = ["FORWARDED_ALLOW_IPS=" + allowed] if allowed is not None else []
        serve = [str(TOUCHPOINT), "serve", "--port", str(port), "--workers", str(workers)]
        return ["env", "-u", "FORWARDED_ALLOW_IPS", *setting, *serve]

    return command


async def _link_base(server: RunningServer) -> str:
    assert server.admin_key is not None
    async with server.client() as admin:
        made = await admin.post("/v1/keys", json={"name": "crm", "scopes": ["responses:write"]})
        key = made.json()["key"]
    async with server.client(key) as crm:
        answer = await crm.post("/v1/email-links", json={"metric": "nps"}, headers=FORWARDED)
        assert answer.status_code == 200, answer.text
        url: str = answer.json()["links"][0]["url"]
    return url.split("/r/")[0]


@pytest.mark.parametrize(
    ("allowed", "base"),
    [
        (None, "https://feedback.example.com"),  # uvicorn's default trusts 127.0.0.1 and ::1
        ("127.0.0.1", "https://feedback.example.com"),
        ("192.0.2.10", "http://feedback.example.com"),  # the headers of an untrusted peer
    ],
)
async def test_forwarded_headers_count_only_from_the_allowed_proxy_addresses(
    launcher: Launcher, tmp_path: Path, allowed: str | None, base: str
) -> None:
    server = launcher.start(
        f"sqlite:///{tmp_path / 'touchpoint.db'}", command=_serving_with(allowed)
    )

    assert await _link_base(server) == base

"""Link tokens: signed, expiring, rotating, and silent about what was wrong with them."""

from __future__ import annotations

import base64
import json
import logging
import uuid
import zlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import URLSafeSerializer

from app.channels.email.scanner import BurstWatch
from app.channels.email.tokens import (
    LinkClaims,
    LinkSigner,
    TokenExpired,
    TokenInvalid,
    new_nonce,
)
from app.respondent_ids.hashing import RespondentHasher
from app.responses.followup import FollowupTokens
from tests.support.email_support import BASE64_DIGITS, flipped

NOW = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
RESPONDENT = "cust-8812@example.com"
RESPONDENT_HASH = RespondentHasher(b"server-secret").hash(RESPONDENT)
CLAIMS = LinkClaims(
    nonce=new_nonce(),
    metric="nps",
    survey="post-purchase",
    expires_at=NOW + timedelta(days=30),
    respondent_hash=RESPONDENT_HASH,
    touchpoint="checkout",
    location="store-12",
    locale="pl",
    properties={"plan": "gold", "order": "A-1182"},
    key_id="0123456789abcdef",
)


def payload_of(token: str) -> dict[str, object]:
    """What anyone holding a link can read without any secret."""
    body = token.rsplit(".", 1)[0]
    compressed = body.startswith(".")
    raw = base64.urlsafe_b64decode(body.lstrip(".") + "=" * (-len(body.lstrip(".")) % 4))
    decoded: dict[str, object] = json.loads(zlib.decompress(raw) if compressed else raw)
    return decoded


def test_a_token_carries_every_claim_and_reads_back_equal() -> None:
    signer = LinkSigner(["secret-a"])

    token = signer.issue(CLAIMS)

    assert signer.read(token, NOW) == CLAIMS
    assert set(token) <= set(BASE64_DIGITS + "."), "a token must fit in a URL path segment as is"


def test_a_token_never_holds_the_respondent_id_in_clear() -> None:
    token = LinkSigner(["secret-a"]).issue(CLAIMS)
    readable = json.dumps(payload_of(token))

    assert RESPONDENT not in readable
    assert RESPONDENT not in token
    assert "cust-8812" not in readable
    # What it holds instead is the keyed hash the responses table keeps, packed shorter.
    packed = str(payload_of(token)["r"])
    assert base64.urlsafe_b64decode(packed + "=").hex() == RESPONDENT_HASH


def test_a_token_without_optional_claims_reads_back_with_defaults() -> None:
    bare = LinkClaims(
        nonce=new_nonce(), metric="csat", survey="default", expires_at=CLAIMS.expires_at
    )
    signer = LinkSigner(["secret-a"])

    assert signer.read(signer.issue(bare), NOW) == bare


def test_every_token_has_its_own_nonce() -> None:
    assert len({new_nonce() for _ in range(1000)}) == 1000
    assert len(new_nonce()) >= 22  # 128 random bits


def test_changing_any_character_of_a_token_makes_it_invalid() -> None:
    signer = LinkSigner(["secret-a"])
    token = signer.issue(CLAIMS)
    accepted, explained = [], []

    for position in range(len(token)):
        try:
            signer.read(flipped(token, position), NOW)
            accepted.append(position)
        except TokenInvalid as rejected:
            if str(rejected):
                explained.append(str(rejected))

    assert not accepted, f"changed at {accepted} and still accepted"
    assert not explained, "a rejection says nothing about what failed"


def test_cut_extended_spliced_and_unsigned_tokens_are_invalid() -> None:
    signer = LinkSigner(["secret-a"])
    token = signer.issue(CLAIMS)
    other = signer.issue(replace(CLAIMS, metric="csat", nonce=new_nonce()))
    body, signature = token.rsplit(".", 1)
    other_body, other_signature = other.rsplit(".", 1)
    forged_body = (
        base64.urlsafe_b64encode(json.dumps({**payload_of(token), "m": "csat"}).encode())
        .decode()
        .rstrip("=")
    )

    for broken in (
        token[:-1],
        token[: len(token) // 2],
        token + "A",
        body,
        f"{body}.",
        f"{body}.{other_signature}",
        f"{other_body}.{signature}",
        f"{forged_body}.{signature}",
        token.lstrip("."),
        "",
        ".",
        "x" * 5000,
    ):
        with pytest.raises(TokenInvalid):
            signer.read(broken, NOW)


def test_tokens_signed_for_other_purposes_with_the_same_secret_are_invalid() -> None:
    signer = LinkSigner(["secret-a"])
    followup = FollowupTokens("secret-a").issue(uuid.uuid4())
    plain = URLSafeSerializer("secret-a").dumps(
        {"v": 1, "n": "x", "m": "nps", "s": "d", "e": 2**40}
    )
    salted = URLSafeSerializer("secret-a", salt="touchpoint.email-link").dumps(
        {"v": 1, "n": "x", "m": "nps", "s": "d", "e": 2**40}
    )

    for token in (followup, plain, salted):
        with pytest.raises(TokenInvalid):
            signer.read(token, NOW)


def test_an_expired_token_is_told_apart_and_still_names_its_language() -> None:
    signer = LinkSigner(["secret-a"])
    token = signer.issue(CLAIMS)

    assert signer.read(token, CLAIMS.expires_at - timedelta(seconds=1)) == CLAIMS
    with pytest.raises(TokenExpired) as expired:
        signer.read(token, CLAIMS.expires_at)
    assert expired.value.claims.locale == "pl"


def test_an_old_secret_verifies_until_it_is_removed() -> None:
    signed_before_rotation = LinkSigner(["secret-a"]).issue(CLAIMS)
    rotated = LinkSigner(["secret-a", "secret-b"])  # oldest first: signs with secret-b
    signed_after_rotation = rotated.issue(CLAIMS)

    assert rotated.read(signed_before_rotation, NOW) == CLAIMS
    assert LinkSigner(["secret-b"]).read(signed_after_rotation, NOW) == CLAIMS
    with pytest.raises(TokenInvalid):
        LinkSigner(["secret-b"]).read(signed_before_rotation, NOW)
    with pytest.raises(TokenInvalid):
        LinkSigner(["secret-c"]).read(signed_after_rotation, NOW)


def test_a_signer_needs_a_secret() -> None:
    with pytest.raises(ValueError, match="secret"):
        LinkSigner([])


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_many_scores_of_one_token_within_seconds_are_logged_once_as_a_scanner(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    watch = BurstWatch(window_seconds=10, distinct_scores=3, clock=clock)

    with caplog.at_level(logging.WARNING, logger="touchpoint.email"):
        bursts = []
        for score in range(11):
            clock.now += 0.2
            bursts.append(watch.opened("token-1", score))

    assert bursts == [False, False, True] + [False] * 8
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert message.startswith("email link opened in a burst, likely a mail scanner")
    assert "token-1" in message


def test_a_person_changing_their_mind_is_not_a_scanner(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    watch = BurstWatch(window_seconds=10, distinct_scores=3, clock=clock)

    with caplog.at_level(logging.WARNING, logger="touchpoint.email"):
        for score in (9, 9, 7, 9, 7):  # the same two scores, again and again
            clock.now += 1
            assert not watch.opened("token-1", score)
        clock.now += 11  # a third score, but long after the others
        assert not watch.opened("token-1", 3)
        for token in ("a", "b", "c"):  # three tokens, one score each
            assert not watch.opened(token, 5)

    assert not caplog.records


def test_a_second_burst_of_the_same_token_is_logged_again(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    watch = BurstWatch(window_seconds=10, distinct_scores=3, clock=clock)

    with caplog.at_level(logging.WARNING, logger="touchpoint.email"):
        first = [watch.opened("t", score) for score in (0, 1, 2)]
        clock.now += 30
        second = [watch.opened("t", score) for score in (3, 4, 5)]

    assert first == second == [False, False, True]
    assert len(caplog.records) == 2


def test_the_watch_forgets_quiet_tokens_rather_than_grow_without_bound() -> None:
    clock = FakeClock()
    watch = BurstWatch(window_seconds=10, distinct_scores=3, clock=clock)
    for index in range(10_000):
        watch.opened(f"old-{index}", 1)
    clock.now += 60

    watch.opened("new", 1)

    assert len(watch._tokens) == 1

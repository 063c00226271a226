"""ETags and content coding as every cached route applies them (app/http_caching.py)."""

from __future__ import annotations

import pytest

from app.http_caching import accepts_gzip, not_modified, strong_etag

ETAG = strong_etag(b"the body")


def test_a_strong_etag_is_quoted_and_depends_on_every_byte() -> None:
    assert ETAG.startswith('"')
    assert ETAG.endswith('"')
    assert len(ETAG) == 34
    assert strong_etag(b"the body") == ETAG
    assert strong_etag(b"the bodY") != ETAG


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("", False),
        (ETAG, True),
        ("W/" + ETAG, True),  # If-None-Match compares weakly
        (f'"other", {ETAG}', True),
        (f'"other",W/{ETAG}', True),
        ("*", True),
        ('"other"', False),
        (ETAG[:-2] + '"', False),  # a prefix of the tag is not the tag
        (ETAG.strip('"'), False),  # unquoted is another tag
    ],
)
def test_if_none_match_matches_a_listed_tag_or_star(header: str | None, expected: bool) -> None:
    assert not_modified(header, ETAG) is expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("", False),
        ("gzip", True),
        ("GZIP", True),
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.8", True),
        ("gzip;q=0", False),
        ("gzip; q=0.000", False),
        ("gzip;q=junk", False),
        ("*", True),
        ("*;q=0", False),
        ("identity", False),
        ("deflate, br", False),
    ],
)
def test_gzip_is_sent_only_to_clients_that_accept_it(header: str | None, expected: bool) -> None:
    assert accepts_gzip(header) is expected

"""Every respondent id the service accepts can be erased; the others are refused on write.

An id is refused (422 naming ``respondent``) when it holds a character that cannot travel
in a URL path and come back the same — control characters (line breaks, tabs, NUL, C1),
the line and paragraph separators U+2028/U+2029, lone surrogates (no UTF-8 form) — or
when it is ``.`` or ``..``, which HTTP clients remove from a path as dot segments.
Anything else is stored, and ``DELETE /v1/respondents/{quote(id, safe="")}`` finds it.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from app.respondent_ids.accepted import erasable
from tests.support.privacy_support import (
    changes_nothing,
    empty_tables,
    nps,
    stored_rows,
)
from tests.support.problems import assert_problem
from tests.support.service import Service

if TYPE_CHECKING:
    from hypothesis.internal.charmap import CategoryName

# Every Unicode general category, each as likely as any other.
CATEGORIES: tuple[CategoryName, ...] = (
    *("Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No"),
    *("Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So"),
    *("Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn"),
)
any_character = st.sampled_from(CATEGORIES).flatmap(lambda c: st.characters(categories=[c]))
# Mostly the characters ids are made of, with the rest of Unicode mixed in.
id_character = st.one_of(st.sampled_from("abc-_./:%?#&+= ~"), any_character)
REFUSED = ["\n", "cust-1\n", "a\r\nb", "\t", "\x00", "\x7f", "\x85", "\u2028", "\u2029", ".", ".."]
REFUSED_SURROGATE = "cust-\ud800"


def body(respondent: str, **fields: Any) -> bytes:
    """JSON with every non-ASCII character escaped, so that lone surrogates travel too."""
    return json.dumps({"respondent": respondent, **fields}).encode()


async def post(client: httpx.AsyncClient, path: str, content: bytes) -> httpx.Response:
    return await client.post(path, content=content, headers={"Content-Type": "application/json"})


async def write_everywhere(api: httpx.AsyncClient, respondent: str) -> list[str]:
    """The id through every writer that takes one: "stored" or "refused" by each."""
    one = await post(api, "/v1/responses", body(respondent, metric="nps", score=9))
    item = json.loads(body(respondent, metric="csat", score=5))
    batch = await post(api, "/v1/responses/batch", json.dumps({"responses": [item]}).encode())
    links = await post(api, "/v1/email-links", body(respondent, metric="nps"))
    if any(0xD800 <= ord(c) <= 0xDFFF for c in respondent):
        # No UTF-8 form: the JSON escape is refused (the batch, parsed whole, refuses all).
        assert_problem(one, "validation-failed", fields=["respondent"])
        assert_problem(batch, "validation-failed", fields=["body"])
        assert_problem(links, "validation-failed", fields=["respondent"])
        return ["refused"] * 3
    assert batch.status_code == 200, batch.text
    [result] = batch.json()["results"]
    if one.status_code == 422:
        assert_problem(one, "validation-failed", fields=["respondent"])
        assert result["status"] == "invalid", result
        assert [e["field"] for e in result["errors"]] == ["respondent"], result
        assert_problem(links, "validation-failed", fields=["respondent"])
        return ["refused"] * 3
    assert (one.status_code, result["status"], links.status_code) == (201, "created", 200), (
        one.text,
        result,
        links.text,
    )
    return ["stored"] * 3


async def erase(api: httpx.AsyncClient, respondent: str) -> int:
    answer = await api.delete(f"/v1/respondents/{quote(respondent, safe='')}")
    assert answer.status_code == 200, answer.text
    deleted: int = answer.json()["responses_deleted"]
    return deleted


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(respondent=st.text(id_character, min_size=1, max_size=12))
@example(respondent=REFUSED_SURROGATE)
@example(respondent="a\nb")
@example(respondent="cust-1\n")
@example(respondent="a/../b")
@example(respondent="/")
@example(respondent="...")
@example(respondent="%2F%0A")
@example(respondent=" cust-1 ")
@example(respondent="\u200b\ufeff\u202e")
@example(respondent="\U0010ffff\ufffe")
async def test_an_id_is_refused_on_write_or_erased_by_its_quoted_path(
    service: Service, api: httpx.AsyncClient, respondent: str
) -> None:
    await empty_tables(service.db)

    outcomes = await write_everywhere(api, respondent)
    event(outcomes[0])

    if outcomes == ["refused"] * 3:
        assert await stored_rows(service.db) == []
        return
    assert await erase(api, respondent) == 2
    assert await stored_rows(service.db) == []


async def test_ids_with_line_breaks_controls_or_dot_segments_are_refused_everywhere(
    service: Service, api: httpx.AsyncClient
) -> None:
    async with changes_nothing(service.db):
        for respondent in [*REFUSED, REFUSED_SURROGATE]:
            assert await write_everywhere(api, respondent) == ["refused"] * 3, repr(respondent)


async def test_a_line_break_in_the_erased_id_never_erases_another_respondent(
    service: Service, api: httpx.AsyncClient
) -> None:
    created = await api.post("/v1/responses", json=nps(9, respondent="cust-1"))
    assert created.status_code == 201, created.text

    async with changes_nothing(service.db):
        for other in ("cust-1\n", "cust-1\r", "cust-1\n\n", "\ncust-1", "cust-1\u2028"):
            assert await erase(api, other) == 0, repr(other)

    assert await erase(api, "cust-1") == 1


async def test_erasing_an_id_with_no_answers_is_a_200_that_deleted_nothing(
    service: Service, api: httpx.AsyncClient
) -> None:
    # Such ids were never refused before: one stored then must still be erasable.
    async with changes_nothing(service.db):
        for respondent in ("nobody", "a\nb", ".x", "x/", "%0A"):
            assert await erase(api, respondent) == 0, repr(respondent)


def test_the_refused_characters_are_exactly_the_unicode_categories_named() -> None:
    unsendable = {"Cc", "Zl", "Zp", "Cs"}
    for code_point in range(sys.maxunicode + 1):
        character = chr(code_point)
        try:
            erasable(f"cust-{character}")
        except ValueError:
            refused = True
        else:
            refused = False
        assert refused == (unicodedata.category(character) in unsendable), hex(code_point)

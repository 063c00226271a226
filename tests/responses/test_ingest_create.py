"""POST /v1/responses: what is stored and returned, and every rule a single answer must pass.

Every rejection is asserted as a full problem+json and must leave the responses and
hourly_counts tables exactly as they were.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest

from app.keys.scopes import Scope
from tests.support.ingest_support import (
    assert_response_shape,
    changes_nothing,
    counted_total,
    now,
    nps,
    parse_z,
    stored_count,
    z,
)
from tests.support.problems import assert_problem
from tests.support.service import Service

MAX_BODY = 256 * 1024


@pytest.fixture
async def seeded(api: httpx.AsyncClient) -> dict[str, Any]:
    """One stored answer, so that "nothing changed" is checked against a non-empty table."""
    response = await api.post("/v1/responses", json=nps(7, comment="already here"))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_new_answer_is_stored_and_returned_in_full_in_utc(
    service: Service, api: httpx.AsyncClient
) -> None:
    before = now()
    created = await api.post(
        "/v1/responses",
        json={
            "metric": "nps",
            "score": 9,
            "comment": "Fast checkout — dziękuję",
            "survey": "post-purchase",
            "touchpoint": "checkout",
            "channel": "pos",
            "location": "store-12",
            "respondent": "cust-8812",
            "properties": {"plan": "gold", "register": "7"},
            "locale": "pl",
            "responded_at": "2026-11-20T16:03:11.750+02:00",
            "idempotency_key": "pos-7:receipt-1182",
        },
    )
    after = now()

    assert created.status_code == 201, created.text
    assert created.headers["content-type"] == "application/json"
    body = created.json()
    assert_response_shape(body)
    assert created.headers["location"] == f"/v1/responses/{body['id']}"
    received_at = parse_z(body["received_at"])
    assert before <= received_at <= after
    assert body == {
        "id": body["id"],
        "metric": "nps",
        "score": 9,
        "comment": "Fast checkout — dziękuję",
        "survey": "post-purchase",
        "touchpoint": "checkout",
        "channel": "pos",
        "location": "store-12",
        "properties": {"plan": "gold", "register": "7"},
        "locale": "pl",
        "responded_at": "2026-11-20T14:03:11Z",
        "received_at": body["received_at"],
        "updated_at": body["received_at"],
        "idempotency_key": "pos-7:receipt-1182",
    }
    assert "cust-8812" not in created.text
    fetched = await api.get(f"/v1/responses/{body['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == body
    assert await stored_count(service.db) == 1
    assert await counted_total(service.db) == 1


async def test_an_answer_with_only_metric_and_score_gets_the_documented_defaults(
    api: httpx.AsyncClient,
) -> None:
    before = now()
    created = await api.post("/v1/responses", json={"metric": "csat", "score": 4})

    assert created.status_code == 201, created.text
    body = created.json()
    assert_response_shape(body)
    assert body == {
        "id": body["id"],
        "metric": "csat",
        "score": 4,
        "comment": None,
        "survey": "default",
        "touchpoint": None,
        "channel": "api",
        "location": None,
        "properties": {},
        "locale": None,
        "responded_at": body["received_at"],
        "received_at": body["received_at"],
        "updated_at": body["received_at"],
        "idempotency_key": None,
    }
    assert before <= parse_z(body["responded_at"]) <= now()


async def test_each_metric_accepts_every_value_of_its_scale(
    service: Service, api: httpx.AsyncClient
) -> None:
    scales = {"nps": range(0, 11), "ces": range(1, 8), "csat": range(1, 6)}
    items = [{"metric": m, "score": s} for m, scale in scales.items() for s in scale]

    for item in items:
        created = await api.post("/v1/responses", json=item)
        assert created.status_code == 201, (item, created.text)
        assert (created.json()["metric"], created.json()["score"]) == (
            item["metric"],
            item["score"],
        )

    assert await stored_count(service.db) == len(items) == 23
    assert await counted_total(service.db) == 23


async def test_a_score_off_its_metrics_scale_is_rejected_naming_score(
    service: Service, api: httpx.AsyncClient, seeded: object
) -> None:
    for metric, score, message in [
        ("nps", -1, "nps scores are integers 0–10"),
        ("nps", 11, "nps scores are integers 0–10"),
        ("ces", 0, "ces scores are integers 1–7"),
        ("ces", 8, "ces scores are integers 1–7"),
        ("csat", 0, "csat scores are integers 1–5"),
        ("csat", 6, "csat scores are integers 1–5"),
    ]:
        async with changes_nothing(service.db):
            response = await api.post("/v1/responses", json={"metric": metric, "score": score})
        body = assert_problem(response, "validation-failed", fields=["score"])
        assert body["errors"][0]["message"] == message


async def test_a_score_must_be_a_json_integer_not_a_bool_float_string_or_null(
    service: Service, api: httpx.AsyncClient, seeded: object
) -> None:
    for score in (True, False, 9.0, 9.5, "9", None, [9]):
        async with changes_nothing(service.db):
            response = await api.post("/v1/responses", json={"metric": "nps", "score": score})
        assert_problem(response, "validation-failed", fields=["score"])


async def test_metric_and_score_are_required_and_metric_must_be_known(
    service: Service, api: httpx.AsyncClient, seeded: object
) -> None:
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({"score": 9}, ["metric"]),
        ({"metric": "nps"}, ["score"]),
        ({}, ["metric", "score"]),
        ({"metric": "NPS", "score": 9}, ["metric"]),
        ({"metric": "csi", "score": 3}, ["metric"]),
    ]
    for body, fields in cases:
        async with changes_nothing(service.db):
            response = await api.post("/v1/responses", json=body)
        assert_problem(response, "validation-failed", fields=fields)


async def test_the_comment_may_hold_5000_characters_and_no_more(
    service: Service, api: httpx.AsyncClient
) -> None:
    longest = "ż" * 4999 + "!"  # characters, not bytes
    created = await api.post("/v1/responses", json=nps(comment=longest))
    assert created.status_code == 201, created.text
    assert created.json()["comment"] == longest

    async with changes_nothing(service.db):
        response = await api.post("/v1/responses", json=nps(comment="x" * 5001))
    assert_problem(response, "validation-failed", fields=["comment"])


async def test_properties_are_a_flat_string_map_of_at_most_20_short_entries(
    service: Service, api: httpx.AsyncClient
) -> None:
    widest = {f"{i:02d}" + "k" * 62: "v" * 256 for i in range(20)}
    created = await api.post("/v1/responses", json=nps(properties=widest))
    assert created.status_code == 201, created.text
    assert created.json()["properties"] == widest

    long_key = "k" * 65
    rejected: list[tuple[Any, str]] = [
        ({f"k{i}": "v" for i in range(21)}, "properties"),
        ({long_key: "v"}, f"properties.{long_key}.[key]"),
        ({"": "v"}, "properties..[key]"),
        ({"plan": "v" * 257}, "properties.plan"),
        ({"seats": 5}, "properties.seats"),
        ({"vip": True}, "properties.vip"),
        ({"nested": {"a": "b"}}, "properties.nested"),
        ({"tags": ["a"]}, "properties.tags"),
        (["plan", "gold"], "properties"),
        ("plan=gold", "properties"),
    ]
    for properties, field in rejected:
        async with changes_nothing(service.db):
            response = await api.post("/v1/responses", json=nps(properties=properties))
        assert_problem(response, "validation-failed", fields=[field])


async def test_survey_touchpoint_and_location_are_slugs(
    service: Service, api: httpx.AsyncClient
) -> None:
    bad_slugs = ["", "A", "Checkout", "-a", ".a", "_a", "a" * 65, "a b", "a/b", "zażółć", "abc\n"]
    for field in ("survey", "touchpoint", "location"):
        for good in ("a", "0", "store-12", "a.b_c-d", "9" + "z" * 63):
            created = await api.post("/v1/responses", json={**nps(), field: good})
            assert created.status_code == 201, (field, good, created.text)
            assert created.json()[field] == good

        not_strings = [12, ["checkout"], *([None] if field == "survey" else [])]  # no null survey
        for bad in [*bad_slugs, *not_strings]:
            async with changes_nothing(service.db):
                response = await api.post("/v1/responses", json={**nps(), field: bad})
            assert_problem(response, "validation-failed", fields=[field])


async def test_the_channel_is_one_of_the_five_documented_values(
    service: Service, api: httpx.AsyncClient
) -> None:
    for channel in ("web", "email", "kiosk", "pos", "api"):
        created = await api.post("/v1/responses", json=nps(channel=channel))
        assert created.status_code == 201, created.text
        assert created.json()["channel"] == channel

    for bad in ("sms", "API", "", None):
        async with changes_nothing(service.db):
            response = await api.post("/v1/responses", json=nps(channel=bad))
        assert_problem(response, "validation-failed", fields=["channel"])


async def test_the_locale_is_a_bcp47_tag(service: Service, api: httpx.AsyncClient) -> None:
    for good in ("pl", "en-GB", "zh-Hant-TW", "es-419", "fil"):
        created = await api.post("/v1/responses", json=nps(locale=good))
        assert created.status_code == 201, (good, created.text)
        assert created.json()["locale"] == good

    for bad in ("", "p", "english", "en_GB", "en-", "en-GB-", "pl;drop", 48):
        async with changes_nothing(service.db):
            response = await api.post("/v1/responses", json=nps(locale=bad))
        assert_problem(response, "validation-failed", fields=["locale"])


async def test_an_idempotency_key_holds_1_to_255_characters_in_the_body_or_header(
    service: Service, api: httpx.AsyncClient
) -> None:
    longest = "k" * 255
    created = await api.post("/v1/responses", json=nps(idempotency_key=longest))
    assert created.status_code == 201, created.text
    assert created.json()["idempotency_key"] == longest
    created = await api.post("/v1/responses", json=nps(), headers={"Idempotency-Key": "h" * 255})
    assert created.status_code == 201, created.text
    assert created.json()["idempotency_key"] == "h" * 255

    for bad in ("k" * 256, ""):
        async with changes_nothing(service.db):
            response = await api.post("/v1/responses", json=nps(idempotency_key=bad))
        assert_problem(response, "validation-failed", fields=["idempotency_key"])
    async with changes_nothing(service.db):
        response = await api.post(
            "/v1/responses", json=nps(), headers={"Idempotency-Key": "h" * 256}
        )
    assert_problem(response, "validation-failed", fields=["Idempotency-Key"])


async def test_the_respondent_holds_1_to_255_characters(
    service: Service, api: httpx.AsyncClient, seeded: object
) -> None:
    created = await api.post("/v1/responses", json=nps(respondent="r" * 255))
    assert created.status_code == 201, created.text

    for bad in ("", "r" * 256, 8812):
        async with changes_nothing(service.db):
            response = await api.post("/v1/responses", json=nps(respondent=bad))
        assert_problem(response, "validation-failed", fields=["respondent"])


async def test_an_unknown_field_is_rejected_by_name_so_a_typo_never_passes(
    service: Service, api: httpx.AsyncClient, seeded: object
) -> None:
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({"metric": "nps", "score": 9, "coment": "typo"}, ["coment"]),
        ({"metric": "nps", "score": 9, "respondent_id": "c-1"}, ["respondent_id"]),
        ({"metric": "nps", "score": 9, "id": str(uuid.uuid4())}, ["id"]),
        ({"metric": "nps", "score": 9, "received_at": "2026-01-01T00:00:00Z"}, ["received_at"]),
        ({"metric": "nps", "scroe": 9}, ["score", "scroe"]),
    ]
    for body, fields in cases:
        async with changes_nothing(service.db):
            response = await api.post("/v1/responses", json=body)
        problem = assert_problem(response, "validation-failed", fields=fields)
        unknown = [e for e in problem["errors"] if e["field"] != "score"]
        assert all("unknown field" in e["message"] for e in unknown), problem


async def test_responded_at_may_lie_in_the_past_or_up_to_5_minutes_ahead(
    api: httpx.AsyncClient,
) -> None:
    received = now()
    for given, stored in [
        ("2000-01-01T00:00:00Z", "2000-01-01T00:00:00Z"),
        ("2026-03-29T02:30:00+02:00", "2026-03-29T00:30:00Z"),
        ("2026-11-20T09:03:11.999-05:00", "2026-11-20T14:03:11Z"),
        (z(received + timedelta(minutes=4)), z(received + timedelta(minutes=4))),
    ]:
        created = await api.post("/v1/responses", json=nps(responded_at=given))
        assert created.status_code == 201, (given, created.text)
        body = created.json()
        assert body["responded_at"] == stored
        assert parse_z(body["received_at"]) >= received


async def test_responded_at_without_offset_too_far_ahead_or_before_2000_is_rejected(
    service: Service, api: httpx.AsyncClient, seeded: object
) -> None:
    ahead = datetime.now(UTC) + timedelta(minutes=6)
    for given, message in [
        ("2026-11-20T14:03:11", "offset"),
        ("2026-11-20 14:03:11", "offset"),
        ("2026-11-20", "offset"),
        ("yesterday", ""),
        (1763647391, "ISO 8601"),  # not guessed as Unix seconds or milliseconds
        (1763647391000, "ISO 8601"),
        (z(ahead), "5 minutes"),
        ("2100-01-01T00:00:00Z", "5 minutes"),
        ("1999-12-31T23:59:59Z", "2000"),
        ("1970-01-01T00:00:00Z", "2000"),
    ]:
        async with changes_nothing(service.db):
            response = await api.post("/v1/responses", json=nps(responded_at=given))
        problem = assert_problem(response, "validation-failed", fields=["responded_at"])
        assert message in problem["errors"][0]["message"], problem


async def test_a_body_of_256_kib_is_read_and_one_byte_more_is_413(
    service: Service, api: httpx.AsyncClient, seeded: object
) -> None:
    def padded(size: int) -> bytes:
        body = orjson.dumps(nps(comment="fits"))
        return body[:-1] + b" " * (size - len(body)) + b"}"

    headers = {"content-type": "application/json"}
    created = await api.post("/v1/responses", content=padded(MAX_BODY), headers=headers)
    assert created.status_code == 201, created.text

    for size in (MAX_BODY + 1, 4 * MAX_BODY):
        async with changes_nothing(service.db):
            response = await api.post("/v1/responses", content=padded(size), headers=headers)
        assert_problem(response, "payload-too-large")


async def test_a_streamed_body_without_content_length_over_256_kib_is_413(
    service: Service, api: httpx.AsyncClient, seeded: object
) -> None:
    async def chunks() -> Any:
        yield orjson.dumps(nps())[:-1]
        for _ in range(300):
            yield b" " * 1024
        yield b"}"

    async with changes_nothing(service.db):
        response = await api.post(
            "/v1/responses", content=chunks(), headers={"content-type": "application/json"}
        )
    assert "content-length" not in response.request.headers
    assert_problem(response, "payload-too-large")


async def test_malformed_json_is_rejected_naming_the_body_and_writes_nothing(
    service: Service, api: httpx.AsyncClient, seeded: object
) -> None:
    for content in (b'{"metric": "nps", "score": ', b"{'metric': 'nps'}", b"nps=9", b"\xff\xfe"):
        async with changes_nothing(service.db):
            response = await api.post(
                "/v1/responses", content=content, headers={"content-type": "application/json"}
            )
        problem = assert_problem(response, "validation-failed", fields=["body"])
        assert "JSON" in problem["errors"][0]["message"], problem


async def test_a_body_that_is_not_a_json_object_is_rejected(
    service: Service, api: httpx.AsyncClient, seeded: object
) -> None:
    for body in ([nps()], "nps", 9, None):
        async with changes_nothing(service.db):
            response = await api.post("/v1/responses", json=body)
        assert_problem(response, "validation-failed", fields=["body"])


async def test_posting_needs_a_valid_key_with_the_responses_write_scope(
    service: Service, seeded: object
) -> None:
    readers = await service.client_with(Scope.RESPONSES_READ, Scope.SCORES_READ, Scope.ADMIN)
    async with readers, changes_nothing(service.db):
        no_key = await service.client.post("/v1/responses", json=nps())
        bad_key = await service.client.post(
            "/v1/responses",
            json=nps(),
            headers={"Authorization": "Bearer tp_sk_" + "0" * 56},
        )
        reader = await readers.post("/v1/responses", json=nps())

    for response in (no_key, bad_key):
        assert_problem(response, "unauthenticated")
        assert response.headers["www-authenticate"] == 'Bearer realm="touchpoint"'
    assert_problem(reader, "forbidden")

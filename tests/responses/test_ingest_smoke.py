import httpx


async def test_a_posted_response_is_stored_and_returned(api: httpx.AsyncClient) -> None:
    created = await api.post("/v1/responses", json={"metric": "nps", "score": 9})
    assert created.status_code == 201, created.text
    body = created.json()
    fetched = await api.get(f"/v1/responses/{body['id']}")
    assert fetched.json() == body

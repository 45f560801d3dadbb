"""Issue 18, point 5: one filter semantics, one document id name, one citation numbering; feedback takes
the id each answer endpoint returns and keeps one vote per answer; the answer text and the structured
fields say which to render."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import httpx
import openai
import pytest

from tests.api.conftest import ADMIN_KEY, PORTAL_KEY, ContractApi

START = "I'm a procurement lead at an NHS trust, where do I start with social value?"


@pytest.fixture
def http(contract_api: ContractApi) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {PORTAL_KEY}", "X-HALN-User": f"names-{uuid.uuid4().hex}"}
    with httpx.Client(base_url=contract_api.api.url, headers=headers, timeout=60) as client:
        yield client


@pytest.fixture
def admin(contract_api: ContractApi) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    with httpx.Client(base_url=contract_api.api.url, headers=headers, timeout=60) as client:
        yield client


def test_sources_filter_as_answers_do_and_name_the_document_doc_id(http: httpx.Client) -> None:
    every = http.get("/v1/sources", params={"limit": 200}).json()["items"]
    by_theme = {t: {s["doc_id"] for s in every if t in s["themes"]} for s in every for t in s["themes"]}
    first, second = sorted(by_theme, key=lambda t: len(by_theme[t]))[:2]
    either = http.get("/v1/sources", params=[("themes", first), ("themes", second)]).json()
    assert {s["doc_id"] for s in either["items"]} == by_theme[first] | by_theme[second]
    assert either["total"] == len(by_theme[first] | by_theme[second])
    old = http.get("/v1/sources", params={"theme": first}).json()  # deprecated alias
    assert {s["doc_id"] for s in old["items"]} == by_theme[first]
    nations = http.get("/v1/sources", params=[("nation", "Scotland"), ("nation", "England")]).json()
    assert {s["nation"] for s in nations["items"]} == {"Scotland", "England"}
    assert all(s["doc_id"] == s["id"] and s["path"] is None for s in every)  # no file paths for clients
    assert http.get(f"/v1/sources/{every[0]['doc_id']}").json()["doc_id"] == every[0]["doc_id"]


def test_file_paths_only_for_the_admin(admin: httpx.Client) -> None:
    items = admin.get("/v1/sources").json()["items"]
    assert items and all(s["path"] and not s["path"].startswith("/") for s in items)


def test_one_numbering_for_citations_and_retrieved(http: httpx.Client) -> None:
    body = http.post("/v1/answer", json={"question": START}).json()
    citations = {c["doc_id"]: c["n"] for c in body["citations"]}
    assert citations and set(citations.values()) == {int(n) for n in re.findall(r"\[(\d+)\]", body["answer"])}
    for chunk in body["retrieved"]:
        if chunk["doc_id"] in citations:
            assert chunk["n"] == citations[chunk["doc_id"]]
        else:
            assert chunk["n"] > max(citations.values())
    # One number per document.
    assert len({c["n"] for c in body["retrieved"]}) == len({c["doc_id"] for c in body["retrieved"]})


def test_answer_body_plus_fields_is_the_answer(http: httpx.Client) -> None:
    body = http.post("/v1/answer", json={"question": START}).json()
    assert body["followups"] and body["evidence_label"]
    assert (
        "You could also ask" not in body["answer_body"] and body["evidence_label"] not in body["answer_body"]
    )
    asks = "\n".join(f"- {q}" for q in body["followups"])
    rebuilt = f"{body['answer_body']}\n\n**You could also ask**\n{asks}\n\n_{body['evidence_label']}_"
    assert rebuilt == body["answer"]


def test_feedback_takes_the_chat_id_and_keeps_one_vote_per_answer(
    contract_api: ContractApi, http: httpx.Client, admin: httpx.Client
) -> None:
    oa = openai.OpenAI(base_url=f"{contract_api.api.url}/v1", api_key=PORTAL_KEY, max_retries=0)
    completion = oa.chat.completions.create(
        model="haln-assistant",
        messages=[{"role": "user", "content": START}],
        user=f"names-{uuid.uuid4().hex}",
    )
    extra = completion.model_extra or {}
    assert completion.id == f"chatcmpl-{extra['answer_id']}"
    first = http.post("/v1/feedback", json={"answer_id": completion.id, "rating": "up"})
    assert first.status_code == 201, first.text
    assert first.json()["answer_id"] == extra["answer_id"] and first.json()["replaced"] is False
    second = http.post(
        "/v1/feedback", json={"answer_id": extra["answer_id"], "rating": "down", "reason": "vague"}
    )
    assert second.status_code == 200 and second.json()["replaced"] is True
    assert second.json()["id"] == first.json()["id"]
    page = admin.get("/v1/feedback", params={"limit": 1000}).json()
    assert set(page) == {"total", "offset", "limit", "items"} and page["total"] >= 1
    mine = [f for f in page["items"] if f["answer_id"] == extra["answer_id"]]
    assert [(f["rating"], f["reason"]) for f in mine] == [("down", "vague")]
    assert mine[0]["cited_doc_ids"] == [c["doc_id"] for c in extra["citations"]]

"""Issue 15, case 3: an admin upload never replaces a source it does not own, uploads never collide on disk,
and no API response shows a server path. A real uvicorn over a real index in tmp_path."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.embedding import Embedder
from core.settings import Settings
from ingest.sync import build_ingestor
from tests.api.conftest import ADMIN_KEY, RunningApi, start_api, stop_api
from tests.conftest import copy_docs

CORPUS_DOC = "preston-spend-analysis-guide"
CORPUS_TITLE = "Spend analysis guide"

REPORT = """---
title: "{title}"
source_url: https://uploads.example/{slug}
publisher: "Example Trust"
doc_type: report
nation: England
org_type: nhs_trust
themes: [procurement]
---

# {title}

## Findings

The trust reviewed its procurement spend with local suppliers and found that {finding}. The board agreed
to publish the figures each year so that local firms can see where contracts are going.
"""


def report(title: str, slug: str, finding: str) -> bytes:
    return REPORT.format(title=title, slug=slug, finding=finding).encode()


@pytest.fixture(scope="module")
def upload_api(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[RunningApi]:
    root = tmp_path_factory.mktemp("uploads")
    corpus = copy_docs(root / "corpus", [f"markdown/{CORPUS_DOC}.md", "markdown/haln-vibrant-network-qa.md"])
    settings = Settings(data_dir=root / "data", corpus_dir=corpus, chroma_url=None)
    assert not build_ingestor(settings, embedder=embedder).sync([corpus]).failed
    running = start_api(settings.data_dir, corpus, HALN_ADMIN_API_KEY=ADMIN_KEY)
    yield running
    stop_api(running)


@pytest.fixture
def admin(upload_api: RunningApi) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=upload_api.url, headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=60
    ) as http:
        yield http


def finish(admin: httpx.Client, response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job: dict[str, Any] = admin.get(f"/v1/ingest/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} did not finish")


def upload(admin: httpx.Client, name: str, body: bytes, **form: str) -> httpx.Response:
    return admin.post("/v1/ingest", files={"file": (name, body, "text/markdown")}, data=form)


def stored_reports(api: RunningApi) -> list[Path]:
    return sorted((api.data_dir / "uploads").glob("**/report.md"))


def test_upload_with_a_corpus_documents_id_is_409_naming_it(
    upload_api: RunningApi, admin: httpx.Client
) -> None:
    before = admin.get(f"/v1/sources/{CORPUS_DOC}").json()
    hijack = upload(
        admin,
        "notes.html",
        b"<html><body><p>" + b"Replacement text about procurement. " * 20 + b"</p></body></html>",
        metadata=json.dumps(
            {
                "id": CORPUS_DOC,
                "title": "Hijacked",
                "source_url": "https://evil.example/x",
                "publisher": "Someone",
                "doc_type": "blog",
                "nation": "England",
                "org_type": "nhs_trust",
                "themes": ["procurement"],
            }
        ),
    )
    assert hijack.status_code == 409, hijack.text
    body = hijack.json()
    assert body["owner"]["id"] == CORPUS_DOC and body["owner"]["origin"] == "corpus"
    assert body["owner"]["title"] == before["title"] and body["owner"]["title"] == CORPUS_TITLE
    assert before["title"] in body["detail"] and "replace=true" in body["detail"]
    assert hijack.headers["x-request-id"]
    # Nothing changed and nothing was left on disk.
    assert admin.get(f"/v1/sources/{CORPUS_DOC}").json() == before
    assert not list((upload_api.data_dir / "uploads").glob("**/notes.html"))


def test_two_reports_never_collide_and_replace_is_explicit(
    upload_api: RunningApi, admin: httpx.Client
) -> None:
    first_body = report("Spend report one", "one", "a third of spend stayed local")
    first = finish(admin, upload(admin, "report.md", first_body))
    assert first["status"] == "done" and first["report"]["added"] == ["report"], first
    [first_file] = stored_reports(upload_api)
    assert first_file.read_bytes() == first_body

    second_body = report("Spend report two", "two", "half of spend stayed local")
    refused = upload(admin, "report.md", second_body)
    assert refused.status_code == 409, refused.text
    owner = refused.json()["owner"]
    assert owner == {
        "id": "report",
        "title": "Spend report one",
        "origin": "uploaded",
        "path": f"uploads/{first_file.parent.name}/report.md",
    }
    assert stored_reports(upload_api) == [first_file] and first_file.read_bytes() == first_body
    assert admin.get("/v1/sources/report").json()["title"] == "Spend report one"

    replaced = finish(admin, upload(admin, "report.md", second_body, replace="true"))
    assert replaced["status"] == "done" and replaced["report"]["updated"] == ["report"], replaced
    [second_file] = stored_reports(upload_api)
    assert second_file != first_file and second_file.read_bytes() == second_body
    source = admin.get("/v1/sources/report").json()
    assert source["title"] == "Spend report two"
    assert source["path"] == f"uploads/{second_file.parent.name}/report.md"


def test_no_server_paths_in_responses(upload_api: RunningApi, admin: httpx.Client) -> None:
    server_root = str(upload_api.data_dir.parent)
    listing = admin.get("/v1/sources", params={"limit": 200})
    one = admin.get(f"/v1/sources/{CORPUS_DOC}")
    assert one.json()["path"] == f"markdown/{CORPUS_DOC}.md"
    bad_front_matter = upload(admin, "broken.md", b"---\ntitle: x\n---\n\nno metadata here")
    assert bad_front_matter.status_code == 422 and "`title`" in bad_front_matter.json()["detail"]
    empty_body = report("Empty", "empty", "x").split(b"\n# ")[0]
    broken = finish(admin, upload(admin, "broken.md", empty_body))
    # Its only file failed: the job is `failed` (issue 19), with the reason and the report.
    assert broken["status"] == "failed" and broken["report"]["failed"], broken
    assert "body text" in broken["error"] and broken["error"].startswith("uploads/"), broken
    assert broken["report"]["failed"][0]["path"].startswith("uploads/")
    sync = finish(admin, admin.post("/v1/ingest"))
    assert sync["status"] == "done", sync
    for response_text in (
        listing.text,
        one.text,
        bad_front_matter.text,
        json.dumps(broken),
        json.dumps(sync),
    ):
        assert server_root not in response_text
    assert not list((upload_api.data_dir / "uploads").glob("**/broken.md"))  # a failed upload is not kept

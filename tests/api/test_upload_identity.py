"""Issue 19, case 1 through the admin API: an upload whose source_url is another document's is refused with
409 naming it, before anything is written; `replace=true` replaces that document."""

from __future__ import annotations

import httpx

from tests.api.conftest import RunningApi
from tests.api.test_uploads import CORPUS_DOC, admin, finish, report, stored_reports, upload, upload_api

__all__ = ["admin", "upload_api"]  # the fixtures, used by name

PRESTON_URL = "https://preston.gov.uk/article/1341/Spend-analysis-guide"


def test_an_upload_with_a_corpus_documents_source_url_is_409_unless_replace(
    upload_api: RunningApi, admin: httpx.Client
) -> None:
    body = report("Spend review", "report", "most spend left the borough").replace(
        b"https://uploads.example/report", PRESTON_URL.encode()
    )
    before = len(stored_reports(upload_api))
    refused = upload(admin, "report.md", body)
    assert refused.status_code == 409, refused.text
    conflict = refused.json()
    assert conflict["owner"]["id"] == CORPUS_DOC and conflict["owner"]["origin"] == "corpus"
    assert PRESTON_URL in conflict["detail"] and "replace=true" in conflict["detail"]
    assert len(stored_reports(upload_api)) == before  # nothing kept

    replaced = finish(admin, upload(admin, "report.md", body, replace="true"))
    assert replaced["status"] == "done", replaced
    assert replaced["report"]["added"] == ["report"] and replaced["report"]["removed"] == [CORPUS_DOC]
    assert admin.get(f"/v1/sources/{CORPUS_DOC}").status_code == 404

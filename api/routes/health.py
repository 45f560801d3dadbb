"""GET /healthz, /readyz and /metrics."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel, Field

from api.deps import StateDep
from api.errors import SERVICE_ERRORS, error_response
from api.models import ErrorBody
from api.uploads import scrub
from core.errors import HalnError

router = APIRouter(tags=["health"])


class ReadyBody(BaseModel):
    status: Literal["ready"] = "ready"
    chunks: int = Field(description="Chunks in the index.")


class NotReadyBody(ErrorBody):
    status: Literal["not ready"] = "not ready"
    reason: str = Field(description="The same as `error.message`.")


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    responses={503: {"description": "Not ready, with the reason and a code", "model": NotReadyBody}},
    response_model=ReadyBody,
)
def readyz(state: StateDep) -> JSONResponse:
    """Index loaded, vector store and database reachable; 503 with the reason otherwise."""
    try:
        index = state.assistant.index.get()
        state.assistant.index.store.collection()  # the vector store answers now, not only at load time
        state.db.ping()
    except HalnError as exc:
        code = next((c for kind, (_, c, _) in SERVICE_ERRORS.items() if isinstance(exc, kind)), None)
        return _not_ready(scrub(state.settings, str(exc)), code or "store_unavailable")
    except Exception as exc:  # an unexpected store failure is still "not ready", with its reason
        return _not_ready(scrub(state.settings, f"{type(exc).__name__}: {exc}"), "store_unavailable")
    if index.live_size == 0:
        return _not_ready("the index is empty: run `haln ingest`", "index_empty")
    return JSONResponse({"status": "ready", "chunks": index.live_size})


def _not_ready(reason: str, code: str) -> JSONResponse:
    """The error shape of every other endpoint, with `status` and `reason` kept for probes of API 0.1.
    Operators call /readyz, so the reason keeps its detail (folders shown relative)."""
    return error_response(503, reason, code, extra={"status": "not ready", "reason": reason})


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(state: StateDep) -> Response:
    """Prometheus metrics, added up over all the workers of `haln serve --workers N`."""
    return Response(state.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

"""GET /healthz, /readyz and /metrics."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel

from api.deps import StateDep
from api.uploads import scrub
from core.errors import HalnError

router = APIRouter(tags=["health"])


class ReadyBody(BaseModel):
    status: str
    chunks: int | None = None
    reason: str | None = None


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    responses={503: {"description": "Not ready, with the reason", "model": ReadyBody}},
    response_model=ReadyBody,
)
def readyz(state: StateDep) -> JSONResponse:
    """Index loaded, vector store and database reachable; 503 with the reason otherwise."""
    try:
        index = state.assistant.index.get()
        state.assistant.index.store.collection()  # the vector store answers now, not only at load time
        state.db.ping()
    except HalnError as exc:
        return JSONResponse(
            {"status": "not ready", "reason": scrub(state.settings, str(exc))}, status_code=503
        )
    except Exception as exc:  # an unexpected store failure is still "not ready", with its reason
        return JSONResponse(
            {"status": "not ready", "reason": scrub(state.settings, f"{type(exc).__name__}: {exc}")},
            status_code=503,
        )
    if index.size == 0:
        return JSONResponse(
            {"status": "not ready", "reason": "the index is empty: run `haln ingest`"}, status_code=503
        )
    return JSONResponse({"status": "ready", "chunks": index.size})


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(state: StateDep) -> Response:
    """Prometheus metrics, added up over all the workers of `haln serve --workers N`."""
    return Response(state.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

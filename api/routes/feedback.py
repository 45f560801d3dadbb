"""POST /v1/feedback and GET /v1/feedback (admin)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from api import examples
from api.deps import AdminDep, FeedbackClientDep, StateDep
from api.errors import ApiError
from api.models import READ_ERRORS, ErrorBody, FeedbackCreated, FeedbackItem, FeedbackPage, FeedbackRequest
from core.errors import HalnError

router = APIRouter(prefix="/v1/feedback", tags=["feedback"])


CHAT_PREFIX = "chatcmpl-"


@router.post(
    "",
    response_model=FeedbackCreated,
    status_code=201,
    responses={
        **READ_ERRORS,
        200: {"model": FeedbackCreated, "description": "The vote replaced an earlier one on this answer"},
        201: examples.json_example(examples.FEEDBACK, "The vote is stored"),
        404: {"model": ErrorBody, "description": "No such answer (`not_found`, param `answer_id`)"},
    },
)
def post_feedback(
    body: FeedbackRequest, response: Response, state: StateDep, _client: FeedbackClientDep
) -> FeedbackCreated:
    """Thumbs up or down on an answer, with an optional reason and comment; stored durably.

    One vote per answer: a second vote on the same answer replaces the first (200, `replaced: true`), so a
    user changing their mind leaves one vote, not two that contradict each other."""
    answer_id = body.answer_id.removeprefix(CHAT_PREFIX)
    try:
        feedback_id, replaced = state.db.vote(
            answer_id, body.rating, body.reason, body.comment, body.question
        )
    except KeyError:
        message = f"answer_id: no answer {body.answer_id!r} was logged"
        raise ApiError(404, message, "not_found", param="answer_id") from None
    if replaced:
        response.status_code = 200
    return FeedbackCreated(id=feedback_id, answer_id=answer_id, rating=body.rating, replaced=replaced)


@router.get(
    "",
    response_model=FeedbackPage,
    responses={
        200: examples.json_example(examples.FEEDBACK_PAGE),
        401: {"model": ErrorBody, "description": "No admin token"},
        403: {"model": ErrorBody, "description": "Wrong admin token, or admin off"},
    },
)
def list_feedback(
    state: StateDep,
    _admin: AdminDep,
    rating: Annotated[Literal["up", "down"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> FeedbackPage:
    """Stored feedback, oldest first, in pages as /v1/sources (admin)."""
    try:
        by_url = {str(m["source_url"]): str(m["doc_id"]) for m in state.assistant.index.get().live_metadatas}
    except HalnError:  # no index: the documents cannot be named, the feedback can still be read
        by_url = {}
    items = [
        FeedbackItem(
            **{**vars(r), "created_at": r.created_at.isoformat()},
            cited_doc_ids=[by_url[u] for u in r.cited_sources if u in by_url],
        )
        for r in state.db.list_feedback(rating, limit, offset)
    ]
    return FeedbackPage(total=state.db.count_feedback(rating), offset=offset, limit=limit, items=items)

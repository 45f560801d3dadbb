"""POST /v1/feedback and GET /v1/feedback (admin)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.deps import AdminDep, FeedbackClientDep, StateDep
from api.errors import ApiError
from api.models import ErrorBody, FeedbackCreated, FeedbackItem, FeedbackRequest

router = APIRouter(prefix="/v1/feedback", tags=["feedback"])


@router.post("", response_model=FeedbackCreated, status_code=201, responses={404: {"model": ErrorBody}})
def post_feedback(body: FeedbackRequest, state: StateDep, _client: FeedbackClientDep) -> FeedbackCreated:
    """Thumbs up or down on an answer, with an optional reason and comment; stored durably."""
    try:
        feedback_id = state.db.add_feedback(
            body.answer_id, body.rating, body.reason, body.comment, body.question
        )
    except KeyError:
        message = f"answer_id: no answer {body.answer_id!r} was logged"
        raise ApiError(404, message, "not_found", param="answer_id") from None
    return FeedbackCreated(id=feedback_id, answer_id=body.answer_id, rating=body.rating)


@router.get(
    "", response_model=list[FeedbackItem], responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}}
)
def list_feedback(
    state: StateDep,
    _admin: AdminDep,
    rating: Annotated[Literal["up", "down"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[FeedbackItem]:
    """Stored feedback, oldest first (admin)."""
    return [
        FeedbackItem(**{**vars(r), "created_at": r.created_at.isoformat()})
        for r in state.db.list_feedback(rating, limit, offset)
    ]

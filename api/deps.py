"""The service's dependencies, built once in the lifespan and reached through these aliases."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from anyio import CapacityLimiter
from fastapi import Depends, Request

from api.jobs import JobManager
from api.observability import Metrics
from api.security import RateLimits, Scope_, check_admin, check_client_key, end_user
from assistant.service import Assistant
from core.db import Database
from core.settings import Settings


@dataclass
class AppState:
    settings: Settings
    assistant: Assistant
    db: Database
    jobs: JobManager
    limits: RateLimits
    metrics: Metrics
    answer_slots: CapacityLimiter

    def slots_for(self, backend: str | None) -> CapacityLimiter | None:
        """Extractive answers are CPU-bound: they take turns for a few slots in arrival order, because
        many threads fighting over the GIL serve the same total with a much longer tail. LLM answers
        mostly wait on the model server, so they use the shared thread pool."""
        chosen = backend or self.settings.backend
        if chosen == "llm" and self.assistant.llm is not None:
            return None
        return self.answer_slots


# The dependencies below never block, so they are async: sync ones would each take a thread-pool hop.
async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.haln
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def client_keys(state: AppState) -> set[str]:
    """Keys the client endpoints take: the client keys and, when keys are required, the admin token."""
    keys = state.settings.api_key_set
    admin = state.settings.admin_api_key
    return keys | {admin} if keys and admin else keys


def _limited(scope: Scope_) -> Callable[[Request, AppState], Awaitable[str]]:
    async def identity(request: Request, state: StateDep) -> str:
        """API key check, then the client's (and its end user's) rate limit for this kind of request."""
        client = check_client_key(request, client_keys(state))
        quota = state.limits.hit(scope, client, end_user(request))
        request.state.rate_limit_headers = quota.headers()
        return client

    return identity


async def authenticated(request: Request, state: StateDep) -> str:
    """API key check only: the route counts the request itself (the chat body may name the end user)."""
    return check_client_key(request, client_keys(state))


async def require_admin(request: Request, state: StateDep) -> None:
    check_admin(request, state.settings.admin_api_key)


_answers, _reads, _feedback = _limited("answers"), _limited("reads"), _limited("feedback")
LIMITED_CALLS = {_answers, _reads, _feedback}
AnswerClientDep = Annotated[str, Depends(_answers)]
ReadClientDep = Annotated[str, Depends(_reads)]
FeedbackClientDep = Annotated[str, Depends(_feedback)]
AuthenticatedDep = Annotated[str, Depends(authenticated)]
AdminDep = Annotated[None, Depends(require_admin)]

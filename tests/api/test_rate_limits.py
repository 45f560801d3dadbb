"""The rate-limit buckets on their own (the `limits` library's memory storage): per end user, and a key's
ceiling over all the end users it names, so rotating forwarded ids does not lift the limit."""

from __future__ import annotations

import pytest

from api.errors import ApiError
from api.security import RateLimits


def limits() -> RateLimits:
    return RateLimits({"answers": 2, "reads": 5, "feedback": 5}, "memory://", key_answers_per_minute=3)


def test_each_end_user_has_a_bucket_under_the_keys_ceiling() -> None:
    buckets = limits()
    assert [buckets.hit("answers", "key:k", "a").remaining for _ in range(2)] == [1, 0]
    with pytest.raises(ApiError) as user_full:
        buckets.hit("answers", "key:k", "a")
    assert user_full.value.code == "rate_limit_exceeded" and "this user's" in str(user_full.value.detail)
    # The key has made 2 of its 3: user b gets one, and its headers report the key's last one.
    assert buckets.hit("answers", "key:k", "b").remaining == 0
    with pytest.raises(ApiError) as key_full:
        buckets.hit("answers", "key:k", "c")
    assert "overall" in str(key_full.value.detail)
    assert int((key_full.value.headers or {})["Retry-After"]) >= 1
    # Other keys, and other kinds of request, are not affected.
    assert buckets.hit("answers", "key:other", "c").remaining == 1
    assert buckets.hit("feedback", "key:k", "c").remaining == 4


def test_a_refused_request_is_not_counted() -> None:
    buckets = limits()
    buckets.hit("answers", "key:k", "a")
    buckets.hit("answers", "key:k", "a")
    for _ in range(3):
        with pytest.raises(ApiError):
            buckets.hit("answers", "key:k", "a")
    assert buckets.hit("answers", "key:k", "b").remaining == 0  # the key's third, not its sixth

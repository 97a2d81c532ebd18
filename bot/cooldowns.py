"""Per-user rate limits shared by every way of asking (slash, prefix, mention, context menu)."""

from __future__ import annotations

import time
from collections.abc import Callable

from index.errors import CitebotError


class OnCooldown(CitebotError):
    """A user asked too often."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        seconds = max(1, round(retry_after))
        super().__init__(f"Easy there: you can ask again in {seconds} s.")


class UserCooldowns:
    """At most ``uses`` queries per user in any ``seconds``-long window (a sliding window)."""

    def __init__(self, uses: int, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.uses = uses
        self.seconds = seconds
        self._clock = clock
        self._stamps: dict[int, list[float]] = {}

    def hit(self, user_id: int) -> float | None:
        """Count one use; None if allowed, else the seconds until the user may try again."""
        now = self._clock()
        recent = [t for t in self._stamps.get(user_id, []) if now - t < self.seconds]
        if len(recent) >= self.uses:
            self._stamps[user_id] = recent
            return self.seconds - (now - recent[0])
        recent.append(now)
        self._stamps[user_id] = recent
        if len(self._stamps) > 10_000:  # forget idle users now and then
            self._stamps = {k: v for k, v in self._stamps.items() if v and now - v[-1] < self.seconds}
        return None

    def check(self, user_id: int) -> None:
        """Count one use, raising ``OnCooldown`` if the user is over the limit."""
        retry_after = self.hit(user_id)
        if retry_after is not None:
            raise OnCooldown(retry_after)

    def reset(self, user_id: int | None = None) -> None:
        if user_id is None:
            self._stamps.clear()
        else:
            self._stamps.pop(user_id, None)

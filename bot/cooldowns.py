"""Flood control shared by every way of asking (slash, prefix, mention, context menu, buttons).

Two limits: per user, at most ``uses`` engine requests in any ``seconds``-long window; per server, at
most ``per_guild`` requests running at once. Being told about a limit is itself limited: a user
who floods hears about the cooldown once per window (privately, or as a reaction to a message), so
50 questions never turn into 45 public "Easy there" replies.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable

from index.errors import CitebotError


class Throttled(CitebotError):
    """A request refused by flood control. ``notify`` is False when the user was already told."""

    notify: bool = True


class OnCooldown(Throttled):
    """A user asked too often."""

    def __init__(self, retry_after: float, *, notify: bool = True) -> None:
        self.retry_after = retry_after
        self.notify = notify
        seconds = max(1, round(retry_after))
        super().__init__(f"Easy there: you can ask again in {seconds} s.")


class Busy(Throttled):
    """A server already has as many requests running as it may."""

    def __init__(self) -> None:
        super().__init__("I'm busy with other questions from this server; try again in a moment.")


class UserCooldowns:
    """At most ``uses`` queries per user in any ``seconds``-long window (a sliding window)."""

    def __init__(self, uses: int, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.uses = uses
        self.seconds = seconds
        self._clock = clock
        self._stamps: dict[int, list[float]] = {}
        self._noticed: dict[int, float] = {}  # when each user was last told about the cooldown

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
            self._noticed = {k: t for k, t in self._noticed.items() if now - t < self.seconds}
        return None

    def check(self, user_id: int) -> None:
        """Count one use, raising ``OnCooldown`` if the user is over the limit (with ``notify`` set
        only for the first refusal in a window)."""
        retry_after = self.hit(user_id)
        if retry_after is not None:
            raise OnCooldown(retry_after, notify=self._first_notice(user_id))

    def _first_notice(self, user_id: int) -> bool:
        now = self._clock()
        last = self._noticed.get(user_id)
        if last is not None and now - last < self.seconds:
            return False
        self._noticed[user_id] = now
        return True

    def reset(self, user_id: int | None = None) -> None:
        if user_id is None:
            self._stamps.clear()
            self._noticed.clear()
        else:
            self._stamps.pop(user_id, None)
            self._noticed.pop(user_id, None)


class GuildSlots:
    """At most ``per_guild`` engine requests running at once per server (a DM counts per user), so
    that one busy server cannot take every worker thread from the others."""

    def __init__(self, per_guild: int) -> None:
        self.per_guild = per_guild
        self._running: dict[int, int] = {}

    @contextlib.asynccontextmanager
    async def hold(self, guild_id: int | None, user_id: int) -> AsyncIterator[None]:
        """Hold one slot of the server while the body runs; ``Busy`` at once if there is none."""
        key = guild_id if guild_id is not None else -user_id
        if self._running.get(key, 0) >= self.per_guild:
            raise Busy()
        self._running[key] = self._running.get(key, 0) + 1
        try:
            yield
        finally:
            self._running[key] -= 1
            if not self._running[key]:
                del self._running[key]

    def running(self, guild_id: int) -> int:
        return self._running.get(guild_id, 0)

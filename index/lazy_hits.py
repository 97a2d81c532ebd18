"""A sequence of Hits each made only when it is read: a page of results or of a speaker's quotes
shows a few of them, and making a Hit (verbatim text, highlights) is the costly part."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import overload

from index.models import Hit


class LazyHits(Sequence[Hit], ABC):
    """Subclasses say how many there are and how to make the i-th; each is made once."""

    def __init__(self) -> None:
        self._made: dict[int, Hit] = {}

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def _make(self, i: int) -> Hit:
        """The i-th Hit (0 <= i < len), made afresh."""

    @overload
    def __getitem__(self, i: int) -> Hit: ...

    @overload
    def __getitem__(self, i: slice) -> list[Hit]: ...

    def __getitem__(self, i: int | slice) -> Hit | list[Hit]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        hit = self._made.get(i)
        if hit is None:
            hit = self._made[i] = self._make(i)  # a dict store is atomic: two threads at worst make it twice
        return hit

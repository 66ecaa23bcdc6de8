"""The arrival processes' garbage-collector policy: thresholds, one freeze, cycles still freed."""

from __future__ import annotations

import gc
import weakref

from monitor.core import gcpolicy


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_thresholds_set_start_up_frozen_once_and_new_cycles_collected() -> None:
    before = gc.get_threshold()
    try:
        gcpolicy.tune_for_pages()
        assert gc.get_threshold() == gcpolicy.PAGE_THRESHOLDS
        frozen = gc.get_freeze_count()
        assert frozen > 0
        # A second call (`up` starts several pieces) freezes nothing more: objects made
        # after start-up stay collectable.
        made_later = [_Node() for _ in range(100)]
        gcpolicy.tune_for_pages()
        assert gc.get_freeze_count() == frozen
        # A reference cycle made after the freeze is still freed by a collection.
        a, b = _Node(), _Node()
        a.other, b.other = b, a
        gone = weakref.ref(a)
        del a, b, made_later
        gc.collect()
        assert gone() is None
    finally:
        gc.set_threshold(*before)

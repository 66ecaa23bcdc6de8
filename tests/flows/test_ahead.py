"""`ahead_map`: the next input computed in one worker process; order kept, failures recomputed."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable

import pytest

from monitor.flows.ahead import ahead_map


def _where(x: int) -> tuple[int, int]:
    """The input and the process that computed it."""
    return x, os.getpid()


def _fails_in_worker(x: int) -> tuple[int, int]:
    if multiprocessing.parent_process() is not None and x == 2:
        raise ValueError("hostile page")
    return _where(x)


def _dies_in_worker(x: int) -> tuple[int, int]:
    if multiprocessing.parent_process() is not None and x == 2:
        os._exit(3)  # as the OOM killer would end it
    return _where(x)


def test_the_inputs_after_the_first_are_computed_in_one_worker_in_order() -> None:
    out = list(ahead_map(_where, range(5)))
    assert [x for x, _ in out] == [0, 1, 2, 3, 4]
    assert out[0][1] == os.getpid()  # the first while the worker starts
    workers = {pid for _, pid in out[1:]}
    assert len(workers) == 1 and os.getpid() not in workers


def test_a_single_input_starts_no_process() -> None:
    assert list(ahead_map(_where, [7])) == [(7, os.getpid())]
    assert list(ahead_map(_where, [])) == []


@pytest.mark.parametrize("fn", [_fails_in_worker, _dies_in_worker])
def test_a_worker_that_raises_or_dies_loses_nothing(fn: Callable[[int], tuple[int, int]]) -> None:
    out = list(ahead_map(fn, range(5)))
    assert [x for x, _ in out] == [0, 1, 2, 3, 4]
    # From the failed input on, the caller computes in its own process.
    assert [pid for _, pid in out[2:]] == [os.getpid()] * 3

"""A page's time and memory budget: a page that needs more is skipped, the scan goes on.

Time (`DedupConfig.page_seconds`): reading a page, then extracting and fingerprinting it,
each runs under a timer (SIGALRM) that interrupts it when its time is up. The timer is
Python's: it interrupts between two steps of the interpreter, so a single call inside a C
library runs to its end first. It is used in worker processes, and in the process itself
when that runs the pages in its main thread and nothing else uses SIGALRM.

Memory (`DedupConfig.page_memory`): a worker process may grow by at most that many bytes of
address space over its size when it started (RLIMIT_AS); an allocation past it fails, and
the page is skipped. The process itself (``jobs=1``) is never limited: it is the caller's.
"""

from __future__ import annotations

import os
import signal
import threading
from types import FrameType

from dedup.config import DedupConfig
from dedup.models import Skip

OVER_TIME = "over the time budget of a page"
OVER_MEMORY = "over the memory budget of a page"


class OverTime(BaseException):
    """A page's time is up. Not an Exception: code that catches every error of a page must
    not take it for one of its own."""


_armed = {"seconds": 0.0}  # the timer's length in this process; 0 when it is not installed
_timing = {"on": False}  # a page's step is running under the timer


def _over_time(signum: int, frame: FrameType | None) -> None:
    if not _timing["on"]:  # a late signal, after the step ended: nothing to interrupt
        return
    # Again soon, in case this one is swallowed: raised inside a garbage collector
    # callback, say, an exception is only printed.
    signal.setitimer(signal.ITIMER_REAL, 0.05)
    raise OverTime


def install_timer(config: DedupConfig) -> bool:
    """Let `clock` interrupt pages in this process; False when it cannot (not the main
    thread, no SIGALRM, another handler installed, or no time budget)."""
    if (
        not config.page_seconds
        or not hasattr(signal, "SIGALRM")
        or threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGALRM) not in (signal.SIG_DFL, signal.SIG_IGN, None)
    ):
        return False
    signal.signal(signal.SIGALRM, _over_time)
    _armed["seconds"] = float(config.page_seconds)
    return True


def remove_timer() -> None:
    """Undo `install_timer`."""
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    _armed["seconds"] = 0.0


class _Clock:
    """The context of `clock`: a plain object, not a generator, since every page enters
    it two or three times."""

    __slots__ = ("_set", "_spent")

    def __init__(self, spent: float) -> None:
        self._set = False
        self._spent = spent

    def __enter__(self) -> None:
        main = threading.main_thread() is threading.current_thread()
        self._set = bool(_armed["seconds"]) and main
        if self._set:
            # What the page has left, however little: a step is never run untimed. The
            # timer is set before the step counts as running: an earlier step's timer,
            # replaced here, can then only ring while none runs (see __exit__).
            signal.setitimer(signal.ITIMER_REAL, max(_armed["seconds"] - self._spent, 1e-6))
            _timing["on"] = True

    def __exit__(self, *exc_info: object) -> None:
        # The timer is left to run out (or to be replaced by the next step's): stopping it
        # cost a system call per step, and when it rings between steps nothing happens.
        if self._set:
            _timing["on"] = False


def clock(spent: float = 0.0) -> _Clock:
    """Run a step of a page under the timer, if one is installed (`OverTime` when it runs
    out); `spent` is what earlier steps of the same page took of its budget. Only the main
    thread, where the signal is handled, sets it."""
    return _Clock(spent)


def limit_memory(config: DedupConfig) -> None:
    """Cap this (worker) process's address space at its size now plus the page budget."""
    if not config.page_memory or not hasattr(os, "sysconf"):
        return
    try:
        import resource

        with open("/proc/self/statm", encoding="ascii") as statm:
            size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        wanted = size + config.page_memory
        if hard != resource.RLIM_INFINITY:
            wanted = min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    except (ImportError, OSError, ValueError):  # not Linux: no budget, as documented
        return


def over_time(path: str, config: DedupConfig, detail: str = "") -> Skip:
    where = f"{detail}: " if detail else ""
    return Skip(path, OVER_TIME, f"{where}took over {config.page_seconds:g} s (--page-seconds)")


def over_memory(path: str, config: DedupConfig, detail: str = "") -> Skip:
    where = f"{detail}: " if detail else ""
    megabytes = (config.page_memory or 0) / 2**20
    return Skip(path, OVER_MEMORY, f"{where}needed over {megabytes:g} MiB (--page-memory)")

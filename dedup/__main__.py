"""The ``dedup`` command's entry point, and ``python -m dedup``.

A Ctrl-C while the command line is still being imported (click and the CLI take a moment
on a cold start) ends the run with the same one-line message as later, not a traceback.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType


def _interrupted_while_starting(signum: int, frame: FrameType | None) -> None:
    sys.stderr.write("dedup: interrupted; no report was written\n")
    sys.exit(130)


def main() -> None:
    previous = signal.signal(signal.SIGINT, _interrupted_while_starting)
    from dedup.cli import run

    # From here the command handles Ctrl-C itself (and cleans up what it was writing).
    signal.signal(signal.SIGINT, previous)
    run()


if __name__ == "__main__":
    main()

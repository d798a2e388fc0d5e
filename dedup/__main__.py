"""``python -m dedup``: the same as the ``dedup`` command."""

from dedup.cli import run

if __name__ == "__main__":
    run()

"""Sending a shared-index batch ahead: one connection per batch, waves through stages in threads."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any


class Stream:
    """A connection of its own, on which one thread sends a batch's commands wave after
    wave while another reads their replies in order.

    Sending does not wait for replies, so the server always has the next wave's commands
    queued, whatever the client is doing meanwhile (waiting for its interpreter lock,
    say); and one connection keeps the waves in order. A failure on either side closes
    the connection, which wakes the other.
    """

    def __init__(self, pool: Any, call: Callable[[Callable[[], Any]], Any]) -> None:
        """A connection from ``pool``; ``call`` runs each network action, turning the
        client's errors into `StorageError`s."""
        self._call = call
        self._pool = pool
        self._connection: Any = call(self._pool.get_connection)
        self._sent = 0  # replies due, counted by the sending thread
        self._received = 0  # counted by the reading thread

    def send(self, commands: list[tuple[Any, ...]]) -> None:
        """Send commands (redis-py packs them); each gives one reply."""
        self._call(lambda: self._guarded(lambda: self._send(commands)))

    def send_packed(self, packed: bytes, replies: int) -> None:
        """Send commands already packed in Redis's protocol that give this many replies.
        For reads of thousands of binary fields, packing them one by one through the
        client costs more than the server's work; numpy packs a batch in a few steps."""
        self._call(lambda: self._guarded(lambda: self._send_packed([packed], replies)))

    def receive(self, replies: int) -> list[Any]:
        """The next replies, in the order their commands were sent."""

        def read() -> list[Any]:
            answers = [self._connection.read_response() for _ in range(replies)]
            self._received += replies
            return answers

        answers: list[Any] = self._call(lambda: self._guarded(read))
        return answers

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._sent != self._received:  # replies left unread: never reuse it
            self._connection.disconnect()
        self._pool.release(self._connection)

    def _send(self, commands: list[tuple[Any, ...]]) -> None:
        self._send_packed(self._connection.pack_commands(commands), len(commands))

    def _send_packed(self, packed: list[bytes], replies: int) -> None:
        self._sent += replies
        self._connection.send_packed_command(packed, check_health=False)

    def _guarded(self, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except BaseException:
            self._connection.disconnect()
            raise


def ahead(waves: list[Any], stages: list[Callable[[Any], Any]]) -> Iterator[Any]:
    """Each wave through every stage in turn, in order, computed ahead of the caller.

    Each stage runs on every wave in order, in a thread of its own: while the caller
    verifies one wave, the next one's candidates are being fetched, the one after's
    replies read, and later ones sent (`Stream`), so the server's time and the client's
    overlap. When the caller stops early (an error), the waves not started are
    cancelled; those started are finished.
    """
    if len(waves) == 1:
        result = waves[0]
        for stage in stages:
            result = stage(result)
        yield result
        return
    from concurrent.futures import Future, ThreadPoolExecutor  # only batches of waves pay it

    def after(stage: Callable[[Any], Any], earlier: Future[Any]) -> Any:
        return stage(earlier.result())

    pools = [ThreadPoolExecutor(max_workers=1, thread_name_prefix="dedup-redis") for _ in stages]
    futures: list[Future[Any]] = []
    try:
        current = [pools[0].submit(stages[0], wave) for wave in waves]
        futures += current
        for pool, stage in zip(pools[1:], stages[1:], strict=True):
            current = [pool.submit(after, stage, earlier) for earlier in current]
            futures += current
        for future in current:
            yield future.result()
    finally:
        for future in futures:
            future.cancel()
        for pool in pools:
            pool.shutdown(wait=True)

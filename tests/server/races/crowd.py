"""Crowds of real HTTP clients for race tests: threads that start each round together, and a
tally of every answer they got, by what was asked and its status."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = ["NO_ANSWER", "REQUEST_TIMEOUT_S", "Answer", "Tally", "answer_of", "crowd", "http_client"]

REQUEST_TIMEOUT_S = 20.0
"""Seconds any one request of a crowd may take; a stuck server fails the test, not hangs it."""

NO_ANSWER = 0
"""The status recorded for a request that got no answer at all."""

JOIN_TIMEOUT_S = 60.0
"""Seconds a whole crowd may take before the test gives up on its threads."""


@dataclass(frozen=True)
class Answer:
    """One answer: what was asked (``kind``), about what (``key``), its status and body."""

    kind: str
    key: str
    status: int
    body: Any


def answer_of(kind: str, key: str, response: httpx.Response) -> Answer:
    """The answer ``response`` gave, with its JSON body (or its text when it is not JSON)."""
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return Answer(kind, key, response.status_code, body)


class Tally:
    """Every answer a crowd got, recorded from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.answers: list[Answer] = []

    def send(self, http: httpx.Client, kind: str, key: str, method: str, url: str,
             **options: Any) -> Answer:
        """Send one request and record its answer; a request that got none (the connection
        dropped, or no answer within ``REQUEST_TIMEOUT_S``) is recorded with status 0."""
        try:
            response = http.request(method, url, **options)
        except httpx.TransportError as exc:
            return self.add(Answer(kind, key, NO_ANSWER, f"{type(exc).__name__}: {exc}"))
        return self.add(answer_of(kind, key, response))

    def add(self, answer: Answer) -> Answer:
        with self._lock:
            self.answers.append(answer)
        return answer

    def of(self, kind: str, status: int | None = None) -> list[Answer]:
        return [a for a in self.answers
                if a.kind == kind and (status is None or a.status == status)]

    def counts(self) -> Counter[tuple[str, int]]:
        """How many answers of each (kind, status)."""
        return Counter((a.kind, a.status) for a in self.answers)

    def unexpected(self, allowed: dict[str, Iterable[int]]) -> Counter[tuple[str, int]]:
        """The (kind, status) counts outside ``allowed`` (every 5xx among them)."""
        return Counter({(kind, status): n for (kind, status), n in self.counts().items()
                        if status not in set(allowed.get(kind, ()))})

    def summary(self) -> str:
        """The counts, then the first failure's body: what an assertion should show."""
        counts = ", ".join(f"{kind} {status or 'no answer'}: {n}"
                           for (kind, status), n in sorted(self.counts().items()))
        failed = [a for a in self.answers if a.status >= 500 or a.status == NO_ANSWER]
        first = f"; first failure ({failed[0].kind} {failed[0].key}): {failed[0].body}" \
            if failed else ""
        return f"answers: {counts}{first}"


def http_client(server_url: str) -> httpx.Client:
    """A client of its own for one thread of a crowd."""
    return httpx.Client(base_url=server_url, timeout=REQUEST_TIMEOUT_S)


def crowd(workers: int, rounds: int, job: Callable[[Any, int, int], None],
          connect: Callable[[int], AbstractContextManager[Any]]) -> None:
    """Run ``job(client, worker, round)`` on ``workers`` threads for ``rounds`` rounds.

    Each thread opens its own client with ``connect(worker)``; all threads start every round
    together, behind one barrier. Raises the first error a thread raised (a failed check in
    ``job``, a broken barrier), so a race test never hangs and never loses a failure; requests
    sent through ``Tally.send`` never raise, they are counted.
    """
    errors: list[BaseException] = []
    start = threading.Barrier(workers)

    def work(worker: int) -> None:
        try:
            with connect(worker) as client:
                for round_ in range(rounds):
                    start.wait(timeout=JOIN_TIMEOUT_S)
                    job(client, worker, round_)
        except threading.BrokenBarrierError as exc:
            errors.append(exc)
        except BaseException as exc:  # reported to the test, not lost in the thread
            errors.insert(0, exc)
            start.abort()  # the others stop at their next round instead of waiting

    threads = [threading.Thread(target=work, args=(w,), daemon=True) for w in range(workers)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + JOIN_TIMEOUT_S
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    alive = sum(thread.is_alive() for thread in threads)
    if errors:
        raise errors[0]
    assert alive == 0, f"{alive} of {workers} threads still running after {JOIN_TIMEOUT_S} s."

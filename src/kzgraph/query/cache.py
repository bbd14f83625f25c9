"""A cache of query answers, bounded in bytes.

The published data only changes by whole releases, so an answer is determined by the query, the
protocol dataset, the result format and the release it ran on: that is the key. Least recently
used answers are dropped once the total passes ``max_bytes``; an answer larger than an eighth of
the cache is never kept (it would evict everything else). Each answer carries a strong ETag, the
digest of its bytes, so a client holding it gets 304 Not Modified.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

__all__ = ["Answer", "ResultCache", "etag_of"]


@dataclass(frozen=True)
class Answer:
    payload: bytes
    etag: str


def etag_of(payload: bytes) -> str:
    return '"' + hashlib.sha256(payload).hexdigest()[:32] + '"'


class ResultCache:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple, Answer] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    @property
    def size(self) -> int:
        return self._size

    def get(self, key: tuple) -> Answer | None:
        with self._lock:
            answer = self._entries.get(key)
            if answer is not None:
                self._entries.move_to_end(key)
            return answer

    def put(self, key: tuple, payload: bytes) -> Answer:
        answer = Answer(payload, etag_of(payload))
        if not self.enabled or len(payload) > self.max_bytes // 8:
            return answer
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old.payload)
            self._entries[key] = answer
            self._size += len(payload)
            while self._size > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped.payload)
        return answer

"""Kept reads on Redis: `RedisState`'s `watching`, `arun_kept` and `aget_kept`.

A read-only script's reply, or a document, is answered again from this process's memory until Redis reports a
write under the prefix it was read under. This module owns the port's side of it: one `Watch` per watched
prefix (made on first use; `encore.state._watch` owns the report connection and when an answer may be kept),
the key an answer is kept under, and the rule that every key read lies under its watch (`within`). An answer
that is not kept is read through the state's own `arun` or `aget`, as an unkept read would be.
"""

from collections.abc import Sequence

from encore.state._port import Doc, Script, SharedState, within
from encore.state._watch import Connect, Watch


class KeptReads(SharedState):
    """The kept reads of a state whose writes Redis reports, over its `arun` and `aget` (`RedisState`)."""

    def __init__(self, connect: Connect, prefix: str) -> None:
        """`connect` makes a watch's one connection; `prefix` is the state's own, before every watched one."""
        self._watch_connect, self._watch_prefix = connect, prefix
        self._watches: dict[str, Watch] = {}  # watched prefix -> its kept answers

    def _watch(self, prefix: str) -> Watch:
        watch = self._watches.get(prefix)
        if watch is None:
            watch = self._watches[prefix] = Watch(self._watch_connect, self._watch_prefix + prefix)
        return watch

    def watching(self, prefix: str) -> bool:
        """Whether this process keeps answers of reads under `prefix` now (its report connection is up); the
        first ask starts that connection, in a thread."""
        return self._watch(prefix).up()

    async def arun_kept(
        self, script: Script, keys: Sequence[str], args: Sequence[str | int], *, ttl_s: Sequence[float], watch: str
    ) -> list[int]:
        """The reply kept by this process until Redis reports a write under `watch` (`encore.state._watch`)."""
        kept = self._watch(watch)
        key = (script.name, *keys, *args)
        found = kept.get(key)
        if found is not None:
            return found  # type: ignore[no-any-return]
        within(watch, keys)
        mark = kept.mark()
        reply = await self.arun(script, keys, args, ttl_s=ttl_s)
        kept.keep(key, reply, mark)
        return reply

    async def aget_kept(self, key: str, *, watch: str) -> Doc | None:
        kept = self._watch(watch)
        found = kept.get(key)
        if found is not None:
            return found[0]  # type: ignore[no-any-return]
        within(watch, (key,))
        mark = kept.mark()
        doc = await self.aget(key)
        kept.keep(key, (doc,), mark)  # in a tuple: an absent document is kept too
        return doc

    def _close_watches(self) -> None:
        for watch in self._watches.values():
            watch.close()

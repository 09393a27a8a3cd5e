"""`with paused_gc():` no cyclic garbage collection inside the block.

For code that allocates many container objects and frees none of them
(loading and compiling 100,000 rules, the matches of one article): the
collector's passes over them would find nothing to free. Reference counting
still frees everything as usual; collection resumes after the block (if it
was enabled before it: nesting, or a caller that turned it off, is respected).
"""

from __future__ import annotations

import gc
from types import TracebackType


class paused_gc:  # lower case: used like a function, `with paused_gc():`
    __slots__ = ("_enabled",)

    def __enter__(self) -> None:
        self._enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._enabled:
            gc.enable()

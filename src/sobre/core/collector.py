"""Python's cyclic garbage collector paused around a bounded piece of work (a PDF, a report's data).

Such work allocates hundreds of thousands of short-lived objects (rows read from the database, WeasyPrint's
boxes and styles).  They set off collections, the full ones walking every object of the process, while
holding the interpreter lock: in a 100,000-item report about 0.8 s of such pauses before the PDF, every
other thread waiting.  Reference counting still frees the objects; the few cycles they form are collected
as usual once the collector is back on.  Pauses nest and may overlap between threads (the web app makes
two reports at once): the collector is back on when the last one ends, unless the caller had it off.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused"]

_lock = threading.Lock()
_pauses = 0
#: Whether the collector was on when the first pause began (so a caller's own ``gc.disable()`` holds).
_restore = True


@contextmanager
def paused() -> Iterator[None]:
    """The collector off for the ``with`` block (and any overlapping one), then as it was before."""
    global _pauses, _restore
    with _lock:
        _pauses += 1
        if _pauses == 1:
            _restore = gc.isenabled()
            gc.disable()
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _restore:
                gc.enable()

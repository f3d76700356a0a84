"""Give the memory of a chunk's PDFs back to the system once they are filed."""

import ctypes
import ctypes.util

try:
    _LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    _MALLOC_TRIM = _LIBC.malloc_trim
except (OSError, AttributeError):  # not glibc: nothing to do
    _MALLOC_TRIM = None


def release_freed_memory():
    """Return freed heap memory to the system (glibc's ``malloc_trim``).

    The PDFs of a chunk (tens of kilobytes each, made and split in wkhtmltopdf's worker threads) are
    freed once filed, but glibc keeps the freed blocks of each thread's arena for reuse: over a
    batch of a thousand letters the process would grow by the PDFs of every chunk, not of the chunks
    in flight. A trim per chunk costs a few milliseconds."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)

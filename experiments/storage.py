"""Storage errors: a write that fails because the disk is full (or the quota used up, or the filesystem gone
read-only) is a problem of the folder, not of the model or the user's input.

Every command turns one into a StorageError naming the folder; the command line prints it on one line and exits
with EXIT_CODE, with no traceback (lockdown_sim/console). A batch stops at the first one and never files it as a
failed run (experiments/batch.py): its finished runs are kept, and the same command completes the rest once there
is room. Nothing here imports more than the standard library, so the command line can catch it cheaply.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

EXIT_CODE = 74  # EX_IOERR of sysexits.h: an input/output error
FULL = (errno.ENOSPC, errno.EDQUOT)
STORAGE_ERRNOS = (*FULL, errno.EROFS, errno.EIO, errno.EFBIG)


class StorageError(Exception):
    """Writing into `folder` failed for lack of room (or another fault of the storage); one line for the user."""

    def __init__(self, folder: str | Path, code: int):
        super().__init__(str(folder), code)  # the arguments again: it travels between processes (pickle)
        self.folder = Path(folder)
        self.errno = code

    def __str__(self) -> str:
        return self.line()

    @property
    def full(self) -> bool:
        return self.errno in FULL

    def line(self) -> str:
        if self.errno == errno.EDQUOT:
            what = "is full: the disk quota is used up"
        elif self.full:
            what = "is full: no space left on the device"
        else:
            what = f"cannot be written: {os.strerror(self.errno)}"
        remedy = "make room (or choose another folder)" if self.full else "choose another folder (or mend this one)"
        return (f"the folder '{self.folder}' {what}; {remedy} and run the same command again (what is already written "
                "there is kept and reused)")


def is_storage_error(exc: BaseException) -> bool:
    """An OSError of the storage (full, quota, read-only, I/O) rather than of the program or its input."""
    return isinstance(exc, StorageError) or (isinstance(exc, OSError) and exc.errno in STORAGE_ERRNOS)


def is_full(exc: BaseException) -> bool:
    """A full disk or a used-up quota (a folder that cannot be written at all is bad input, checked before work)."""
    return (isinstance(exc, StorageError) and exc.full) or (isinstance(exc, OSError) and exc.errno in FULL)


def as_storage_error(exc: BaseException, folder: str | Path | None = None) -> StorageError:
    """`exc` as a StorageError naming `folder` (default: the folder of the file the error names)."""
    if isinstance(exc, StorageError):
        return exc
    if folder is None:
        name = exc.filename if isinstance(exc, OSError) and exc.filename else "."
        path = Path(os.fsdecode(name))
        folder = path.parent if path.name else path
    return StorageError(folder, exc.errno)


@contextlib.contextmanager
def writing_into(folder: str | Path):
    """Turn a storage error raised inside the block into a StorageError naming `folder`."""
    try:
        yield
    except OSError as exc:
        if is_storage_error(exc):
            raise as_storage_error(exc, folder) from exc
        raise

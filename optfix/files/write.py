"""Writes of a file's new bytes that never leave it half-written, keep its mode, owner, group and
hard links, and never replace a symlink.

A file is replaced atomically (a temporary file in its folder, renamed over it) when the new
file can be the same file to everyone: one name, and an owner and group the running user can
give it. Otherwise (another hard link, or a file owned by another user or group) it is rewritten
in place, which keeps its inode, after its old bytes are saved beside it: a run stopped in the
middle leaves that copy to restore from. Two optfix runs never write one file twice: each holds
an advisory lock (flock) on the file from the check that it is unchanged to its replacement.
"""

from __future__ import annotations

import os
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX: no advisory locks
    fcntl = None

TEMPORARY_SUFFIX = ".optfix-tmp"  # `.<name>.<random>.optfix-tmp`: the new bytes, renamed over <name>
BACKUP_SUFFIX = ".optfix-old"  # `.<name>.<random>.optfix-old`: <name>'s old bytes, during an in-place rewrite
LOCK_WAIT_SECONDS = 10.0


class WriteError(Exception):
    pass


def is_leftover(name: str) -> bool:
    """Whether a file name is one of optfix's temporary files, which a run killed mid-write leaves."""
    return name.startswith(".") and name.endswith((TEMPORARY_SUFFIX, BACKUP_SUFFIX))


def leftover_advice(name: str) -> str:
    """What a leftover temporary file is, and what to do with it."""
    suffix = BACKUP_SUFFIX if name.endswith(BACKUP_SUFFIX) else TEMPORARY_SUFFIX
    target = name[1:].removesuffix(suffix).rpartition(".")[0]
    if suffix == BACKUP_SUFFIX:
        return (f"left by an optfix run stopped while it rewrote {target} in place; this file holds {target}'s "
                f"bytes from before: if {target} is incomplete, copy this file over it; then delete this file")
    return (f"left by an optfix run that was stopped before it could rename it over {target} ({target} itself "
            "is whole: as it was, or completely rewritten); delete it, unless an optfix run is writing here right now")


def replace_bytes(path: Path, new: bytes, expected: bytes) -> None:
    """Replace the contents of `path` (its symlink target) with `new`, if it still holds `expected`."""
    target = Path(os.path.realpath(path))
    try:
        with _locked(target) as (descriptor, info):
            if not info.st_mode & 0o222 or not os.access(target, os.W_OK):
                raise WriteError("file is read-only; left unchanged")
            now = _read_all(descriptor)
            if now == new:
                raise WriteError("file changed on disk since it was read, to this very fix (another optfix run?); left as it is")
            if now != expected:
                raise WriteError("file changed on disk since it was read; left as it is now")
            if _keeps_identity(info):
                fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMPORARY_SUFFIX, dir=target.parent)
                _commit(fd, temporary, target, new, stat.S_IMODE(info.st_mode), (info.st_uid, info.st_gid))
            else:
                _rewrite_in_place(target, new, expected)
    except OSError as error:
        raise WriteError(f"cannot write: {error.strerror or error}") from None


def write_bytes(path: Path, data: bytes) -> None:
    """Create or replace `path` (its symlink target) with `data` atomically: readers see the old
    file or the new one, never half of it. A new file gets the usual mode (0o666 less the umask)."""
    target = Path(os.path.realpath(path))
    try:
        info = target.stat() if target.exists() else None
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMPORARY_SUFFIX, dir=target.parent)
    except OSError as error:
        raise WriteError(f"cannot write: {error.strerror or error}") from None
    if info is None:
        umask = os.umask(0)
        os.umask(umask)
        _commit(fd, temporary, target, data, 0o666 & ~umask, None)
    else:
        _commit(fd, temporary, target, data, stat.S_IMODE(info.st_mode), (info.st_uid, info.st_gid))


def _commit(fd: int, temporary: str, target: Path, data: bytes, mode: int, owner: tuple[int, int] | None) -> None:
    """Fill the temporary file `fd`, give it `mode` (and `owner`), and rename it over `target`."""
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        if owner is not None and owner != (os.getuid(), os.getgid()):
            try:
                os.chown(temporary, *owner)
            except PermissionError:
                pass
        os.replace(temporary, target)
        _sync_folder(target.parent)
    except BaseException as error:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        if isinstance(error, OSError):
            raise WriteError(f"cannot write: {error.strerror or error}") from None
        raise


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (a power cut then keeps the new file, not the old)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _keeps_identity(info: os.stat_result) -> bool:
    """Whether a new file renamed over this one would be the same file to everyone: it has no
    other name (hard link), and the new file can be given its owner and group."""
    if info.st_nlink > 1:
        return False
    if not hasattr(os, "geteuid") or os.geteuid() == 0:
        return True
    return info.st_uid == os.geteuid() and info.st_gid in {os.getegid(), *os.getgroups()}


def _rewrite_in_place(target: Path, new: bytes, old: bytes) -> None:
    """Overwrite `target` keeping its inode; its old bytes wait beside it until the new ones are
    on disk, so that a run stopped in between leaves what is needed to restore it."""
    fd, backup = tempfile.mkstemp(prefix=f".{target.name}.", suffix=BACKUP_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(old)
            stream.flush()
            os.fsync(stream.fileno())
        _sync_folder(target.parent)
        _overwrite(target, new)
    except BaseException:
        try:
            if target.read_bytes() != old:
                _overwrite(target, old)
            os.unlink(backup)
        except OSError:
            pass  # the copy stays beside the file, and later runs report it
        raise
    os.unlink(backup)


def _overwrite(target: Path, data: bytes) -> None:
    with open(target, "r+b") as stream:
        stream.write(data)
        stream.truncate()
        stream.flush()
        os.fsync(stream.fileno())


@contextmanager
def _locked(target: Path) -> Iterator[tuple[int, os.stat_result]]:
    """The file open for reading and locked against other optfix runs, with its stat. A file
    another run replaced while this one waited is the new file, locked in its turn."""
    while True:
        descriptor = os.open(target, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        try:
            _lock(descriptor)
            info = os.fstat(descriptor)
            now = os.stat(target)
            if (info.st_dev, info.st_ino) == (now.st_dev, now.st_ino):
                yield descriptor, info
                return
        finally:
            os.close(descriptor)  # also releases the lock


def _lock(descriptor: int) -> None:
    if fcntl is None:
        return
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise WriteError(f"file locked by another process for over {LOCK_WAIT_SECONDS:.0f} s; left unchanged") from None
            time.sleep(0.01)
        except OSError:  # a file system without locks
            return


def _read_all(descriptor: int) -> bytes:
    chunks = []
    while chunk := os.read(descriptor, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)

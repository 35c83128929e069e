"""In-place writes that are atomic, keep the file mode, and never replace a symlink."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


TEMPORARY_SUFFIX = ".optfix-tmp"  # `.<name>.<random>.optfix-tmp`, beside the file it replaces


class WriteError(Exception):
    pass


def is_leftover(name: str) -> bool:
    """Whether a file name is one of optfix's temporary files: a run killed between creating one
    and renaming it over its target leaves it behind (the target is whole, old or new)."""
    return name.startswith(".") and name.endswith(TEMPORARY_SUFFIX)


def replace_bytes(path: Path, new: bytes, expected: bytes) -> None:
    """Replace the contents of `path` (its symlink target) with `new`, if it still holds `expected`."""
    target = Path(os.path.realpath(path))
    try:
        info = target.stat()
        if not info.st_mode & 0o222 or not os.access(target, os.W_OK):
            raise WriteError("file is read-only; left unchanged")
        if target.read_bytes() != expected:
            raise WriteError("file changed on disk since it was read; left as it is now")
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMPORARY_SUFFIX, dir=target.parent)
    except OSError as error:
        raise WriteError(f"cannot write: {error.strerror or error}") from None
    _commit(fd, temporary, target, new, stat.S_IMODE(info.st_mode), (info.st_uid, info.st_gid))


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

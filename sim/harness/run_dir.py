"""One writer per output folder, and a folder that is either complete or obviously not.

A run (or certification) writes into a hidden staging folder beside its ``--out`` and swaps it
into place only when it finished: a run killed at any point leaves the previous complete result
(or none), never a ``summary.json`` beside tables of another run. A lock file holding the
writer's pid keeps a second run out of the same folder while the first lives; a lock or staging
folder left by a dead process is taken over.
"""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sim.errors import UserError


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner(lock: Path) -> int | None:
    try:
        return int(lock.read_text().strip() or 0) or None
    except (OSError, ValueError):
        return None


def _take_lock(out: Path, lock: Path) -> None:
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            pid = _owner(lock)
            if pid is not None and pid != os.getpid() and _alive(pid):
                raise UserError(f"{out}: another run (pid {pid}) is writing this folder; wait for it or "
                                "choose another --out") from None
            lock.unlink(missing_ok=True)  # left by a dead process
            continue
        with os.fdopen(fd, "w") as fh:
            fh.write(f"{os.getpid()}\n")
        return
    raise UserError(f"{out}: cannot take the folder's lock {lock}")


def _sweep(parent: Path, name: str) -> None:
    """Staging folders of dead runs of this output; and a previous result a run was killed in the
    middle of swapping out (between its two renames) goes back into place."""
    for stale in sorted(parent.glob(f".{name}.partial-*")) + sorted(parent.glob(f".{name}.old-*")):
        pid = stale.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        if ".old-" in stale.name and not (parent / name).exists():
            os.replace(stale, parent / name)
        else:
            shutil.rmtree(stale, ignore_errors=True)


@contextmanager
def staged_output(out: Path) -> Iterator[Path]:
    """The folder to write into; ``out`` becomes it when the block completes."""
    parent, name = out.parent, out.name
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{out}: cannot create the output folder ({exc.strerror})") from None
    lock = parent / f".{name}.lock"
    try:
        _take_lock(out, lock)
    except OSError as exc:
        raise UserError(f"{out}: cannot write in {parent} ({exc.strerror})") from None
    staging = parent / f".{name}.partial-{os.getpid()}"
    try:
        _sweep(parent, name)
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        yield staging
        old = parent / f".{name}.old-{os.getpid()}"
        if out.exists():
            os.replace(out, old)
        os.replace(staging, out)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        lock.unlink(missing_ok=True)

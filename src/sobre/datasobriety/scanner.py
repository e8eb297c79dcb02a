"""The local ROT scanner: walks one tree (a share, a home folder), reads only what it must, writes nothing.

- It never follows a symbolic link (neither to a file nor to a directory), so it never leaves the tree;
  a directory reached twice (a bind mount of a parent) is read once; ``one_file_system`` also keeps it
  off other mounted file systems.
- It never writes in the tree.  Files are opened read-only with ``O_NOFOLLOW`` and, when the system
  allows it (the scanning user owns the file, or is root), ``O_NOATIME`` so that reading leaves the
  access time as it was.
- Duplicates: size first; then a BLAKE3 digest of the first and last 4 KiB; then the BLAKE3 digest of the
  whole content for the files still alike.  Files of 8 KiB or less are read whole at the second step.
  BLAKE3 is a 256-bit cryptographic hash: equal digests mean equal bytes (no collision has ever been found,
  unlike 64-bit non-cryptographic hashes, whose accidental collisions become likely over billions of
  files); it is also as fast as the fastest non-cryptographic hashes on large files.  Nothing is ever
  declared equal on a partial read.
- A file that changes while it is read (size, modification time or inode no longer match) is left out
  of the duplicates and listed as unverified.  Unreadable entries are listed, and the scan goes on.
- Progress goes to a callback; a scan can be stopped (Ctrl-C, or ``should_stop``) and resumed from a
  checkpoint file kept outside the tree.
"""

from __future__ import annotations

import os
import pwd
import stat
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from blake3 import blake3

from sobre.core.errors import InputError, SobreError
from sobre.datasobriety import rot
from sobre.datasobriety.checkpoint import Checkpoint, ScanState
from sobre.datasobriety.rot import PARTIAL_BLOCK, Entry, Findings

#: (phase, done, total) — total is None while the walk does not know it yet.
Progress = Callable[[str, int, int | None], None]
_CHUNK = 1 << 20
_SAVE_EVERY_S = 2.0
_BATCH = 64
_CHANGED = "changed during the scan"
_O_NOATIME = getattr(os, "O_NOATIME", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class ScanStopped(SobreError):
    """The scan was stopped; its checkpoint lets ``--resume`` go on."""

    exit_code = 130


class FileChanged(Exception):
    pass


@dataclass
class ScanOptions:
    as_of: datetime
    obsolete_after: str = rot.DEFAULT_OBSOLETE_AFTER
    patterns: tuple[str, ...] = rot.DEFAULT_TRIVIAL_PATTERNS
    known_users: frozenset[str] | None = None
    retention: tuple[rot.RetentionRule, ...] = ()
    one_file_system: bool = False
    threads: int = 4

    def signature(self, root: Path) -> dict[str, Any]:
        """What must be equal for a checkpoint to be resumed."""
        return {
            "root": str(root),
            "as_of": self.as_of.isoformat(),
            "obsolete_after": self.obsolete_after,
            "patterns": list(self.patterns),
            "one_file_system": self.one_file_system,
        }


def check_checkpoint_place(root: Path, checkpoint: Path) -> Path:
    """A checkpoint inside the scanned tree would be a write to the tree: refused."""
    where = checkpoint.resolve()
    if where == root or root in where.parents:
        raise InputError(
            "the checkpoint file must be outside the scanned tree",
            column="--checkpoint",
            value=str(checkpoint),
        )
    return where


def ident_of(st: os.stat_result) -> tuple[int, int]:
    """What identifies stored bytes on a file system: device and inode (hard links share them)."""
    return (st.st_dev, st.st_ino)


class _Owners:
    """uid → login, cached; an uid with no account keeps its number (``uid:1234``)."""

    def __init__(self) -> None:
        self._names: dict[int, str] = {}

    def __call__(self, uid: int) -> str:
        name = self._names.get(uid)
        if name is None:
            try:
                name = pwd.getpwuid(uid).pw_name
            except KeyError:
                name = f"uid:{uid}"
            self._names[uid] = name
        return name


class TreeScanner:
    def __init__(
        self,
        root: Path,
        options: ScanOptions,
        *,
        checkpoint: Path | None = None,
        resume: bool = False,
        progress: Progress | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> None:
        try:
            st = os.lstat(root)
        except OSError as exc:
            raise InputError(f"cannot read the folder to scan: {exc.strerror}", value=str(root)) from None
        if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
            raise InputError("not a folder (symbolic links are not followed)", value=str(root))
        self.root = root.resolve()
        self.root_dev = st.st_dev
        self._root_ino = st.st_ino
        self.options = options
        self.progress = progress or (lambda phase, done, total: None)
        self.should_stop = should_stop or (lambda: False)
        self.checkpoint = (
            Checkpoint(check_checkpoint_place(self.root, checkpoint), options.signature(self.root))
            if checkpoint
            else None
        )
        if resume and self.checkpoint is None:
            raise SobreError("--resume needs a checkpoint file")
        self.state = self.checkpoint.load() if resume and self.checkpoint else ScanState()
        self._owner = _Owners()
        self._last_save = time.monotonic()
        self._euid = os.geteuid()

    # ---------------------------------------------------------------- stop and save

    def _maybe_save(self, force: bool = False) -> None:
        if self.checkpoint and (force or time.monotonic() - self._last_save > _SAVE_EVERY_S):
            self.checkpoint.save(self.state)
            self._last_save = time.monotonic()

    def _stop(self) -> None:
        self._maybe_save(force=True)
        where = f"; resume with --resume (checkpoint {self.checkpoint.path})" if self.checkpoint else ""
        raise ScanStopped(f"scan stopped after {len(self.state.entries)} files{where}")

    # ---------------------------------------------------------------- walk

    def _abs(self, rel: str) -> str:
        return os.path.join(self.root, rel) if rel else str(self.root)

    def _skip(self, why: str, skipped: dict[str, int] | None = None) -> None:
        target = self.state.skipped if skipped is None else skipped
        target[why] = target.get(why, 0) + 1

    def _read_dir(self, rel: str) -> None:
        """Read one directory, then record all it held at once: a stop (Ctrl-C) between two directories
        leaves the state whole, and the directory is only taken off the stack once recorded."""
        found: list[Entry] = []
        subdirs: list[tuple[str, tuple[int, int]]] = []
        unreadable: list[dict[str, str]] = []
        skipped: dict[str, int] = {}
        try:
            # Opened by descriptor so that listing it keeps its access time too, and a directory swapped
            # for a symbolic link since it was seen is refused.
            fd = self._open_path(self._abs(rel), os.O_DIRECTORY)
        except OSError as exc:
            unreadable.append({"path": rel or ".", "error": exc.strerror or str(exc)})
        else:
            try:
                self._list(rel, fd, found, subdirs, unreadable, skipped)
            except OSError as exc:
                unreadable.append({"path": rel or ".", "error": exc.strerror or str(exc)})
            finally:
                os.close(fd)
        state = self.state
        state.pending.pop()
        # Depth first, names in order: the stack's top is the next directory to read.
        state.pending.extend(p for p, _ in sorted(subdirs, reverse=True))
        state.seen_dirs.update(i for _, i in subdirs)
        state.entries.extend(found)
        state.unreadable.extend(unreadable)
        for why, n in skipped.items():
            state.skipped[why] = state.skipped.get(why, 0) + n

    def _list(
        self,
        rel: str,
        fd: int,
        found: list[Entry],
        subdirs: list[tuple[str, tuple[int, int]]],
        unreadable: list[dict[str, str]],
        skipped: dict[str, int],
    ) -> None:
        seen = self.state.seen_dirs
        with os.scandir(fd) as it:
            for entry in it:
                path = f"{rel}/{entry.name}" if rel else entry.name
                try:
                    if entry.is_symlink():
                        self._skip("symlinks", skipped)
                        continue
                    st = entry.stat(follow_symlinks=False)
                except OSError as exc:
                    unreadable.append({"path": path, "error": exc.strerror or str(exc)})
                    continue
                mode = st.st_mode
                if self.options.one_file_system and st.st_dev != self.root_dev:
                    self._skip("other_file_systems", skipped)
                elif stat.S_ISDIR(mode):
                    ident = (st.st_dev, st.st_ino)
                    if ident in seen or any(i == ident for _, i in subdirs):
                        self._skip("directories_seen_twice", skipped)
                    else:
                        subdirs.append((path, ident))
                elif stat.S_ISREG(mode):
                    found.append(Entry(path, st.st_size, st.st_mtime, self._owner(st.st_uid), ident_of(st)))
                else:
                    self._skip("special_files", skipped)

    def walk(self) -> None:
        state = self.state
        if state.walked:
            return
        state.seen_dirs.add((self.root_dev, self._root_ino))
        while state.pending:
            if self.should_stop():
                self._stop()
            self._read_dir(state.pending[-1])
            self.progress("walk", len(state.entries), None)
            self._maybe_save()
        state.walked = True
        self._maybe_save(force=True)

    # ---------------------------------------------------------------- digests

    def _open(self, e: Entry) -> int:
        return self._open_path(self._abs(e.path))

    @staticmethod
    def _open_path(path: str, extra: int = 0) -> int:
        flags = os.O_RDONLY | _O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0) | extra
        if _O_NOATIME:
            try:
                return os.open(path, flags | _O_NOATIME)
            except PermissionError:
                pass  # not the owner: the system refuses O_NOATIME, read without it
        return os.open(path, flags)

    @staticmethod
    def _same(e: Entry, st: os.stat_result) -> bool:
        return (st.st_dev, st.st_ino) == e.file_id and st.st_size == e.size and st.st_mtime == e.mtime

    def _digest(self, e: Entry, whole: bool) -> str:
        """Digest of the first and last block (``whole`` False) or of the whole content."""
        fd = self._open(e)
        try:
            if not self._same(e, os.fstat(fd)):
                raise FileChanged
            h = blake3()
            if whole or e.size <= 2 * PARTIAL_BLOCK:
                while chunk := os.read(fd, _CHUNK):
                    h.update(chunk)
            else:
                h.update(os.pread(fd, PARTIAL_BLOCK, 0))
                h.update(os.pread(fd, PARTIAL_BLOCK, e.size - PARTIAL_BLOCK))
            if not self._same(e, os.fstat(fd)):
                raise FileChanged
        finally:
            os.close(fd)
        return f"{rot.DIGEST_NAME}:{h.hexdigest()}"

    def _job(self, e: Entry, kind: str) -> tuple[Entry, str, str | None, str | None]:
        try:
            return e, kind, self._digest(e, kind == "full"), None
        except FileChanged:
            return e, kind, None, _CHANGED
        except OSError as exc:
            return e, kind, None, exc.strerror or str(exc)

    def _digests(self, entries: list[Entry], kind: str) -> dict[Any, str]:
        """Digest of each entry (computed, or taken from the checkpoint when the file is unchanged)."""
        state = self.state
        out: dict[Any, str] = {}
        todo = []
        for e in entries:
            dev, ino = e.file_id
            saved = state.digests.get((dev, ino, kind))
            if saved is not None and saved[:2] == (e.size, e.mtime):
                if saved[2] is not None:
                    out[e.file_id] = saved[2]
            else:
                todo.append(e)
        done = len(entries) - len(todo)
        # Read in inode order: on spinning disks (most file shares) it follows the disk layout.
        todo.sort(key=lambda e: e.file_id)
        # Files go to the threads in batches: one task per file would cost more than hashing a small one.
        batches = [todo[i : i + _BATCH] for i in range(0, len(todo), _BATCH)]
        with ThreadPoolExecutor(max_workers=max(1, self.options.threads)) as pool:
            try:
                for results in pool.map(lambda batch: [self._job(x, kind) for x in batch], batches):
                    for e, _, digest, error in results:
                        dev, ino = e.file_id
                        state.digests[(dev, ino, kind)] = (e.size, e.mtime, digest)
                        if digest is not None:
                            out[e.file_id] = digest
                        elif error == _CHANGED:
                            self._unverified.append({"path": e.path, "reason": error})
                        else:
                            self._unreadable.append({"path": e.path, "error": error or "unreadable"})
                    done += len(results)
                    self.progress(f"{kind} digests", done, len(entries))
                    if self.should_stop():
                        pool.shutdown(wait=True, cancel_futures=True)
                        self._stop()
                    self._maybe_save()
            except KeyboardInterrupt:
                pool.shutdown(wait=True, cancel_futures=True)
                self._stop()
        return out

    # ---------------------------------------------------------------- the scan

    def run(self) -> Findings:
        self._unverified: list[dict[str, str]] = []
        self._unreadable: list[dict[str, str]] = []
        try:
            self.walk()
        except KeyboardInterrupt:
            self._stop()
        entries = self.state.entries
        findings = Findings(
            root=".", as_of=self.options.as_of, obsolete_after=self.options.obsolete_after, source="tree"
        )
        rot.classify(
            entries,
            findings,
            patterns=self.options.patterns,
            known_users=self.options.known_users,
            retention=self.options.retention,
        )
        candidates = rot.size_candidates(entries)
        flat = [e for g in candidates for e in g]
        partial = self._digests([e for e in flat if e.size > 2 * PARTIAL_BLOCK], "partial")
        small = self._digests([e for e in flat if e.size <= 2 * PARTIAL_BLOCK], "full")

        def first_key(e: Entry) -> str | None:
            return partial.get(e.file_id) if e.size > 2 * PARTIAL_BLOCK else small.get(e.file_id)

        alike = rot.regroup(candidates, first_key)
        need_full = [e for g in alike for e in g if e.size > 2 * PARTIAL_BLOCK]
        full = {**small, **self._digests(need_full, "full")}
        findings.duplicate_groups = rot.duplicate_groups(
            alike,
            lambda e: full.get(e.file_id),
            rot.hard_links(entries),
        )
        findings.unreadable = sorted(self.state.unreadable + self._unreadable, key=lambda u: u["path"])
        findings.unverified = sorted(self._unverified, key=lambda u: u["path"])
        findings.skipped = dict(sorted(self.state.skipped.items()))
        if self.checkpoint:
            self.checkpoint.remove()
        return findings


def scan_tree(root: Path, options: ScanOptions, **kwargs: Any) -> Findings:
    """Scan one tree for ROT data (see the module's notes); keyword arguments go to :class:`TreeScanner`."""
    return TreeScanner(root, options, **kwargs).run()

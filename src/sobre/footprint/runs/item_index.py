"""One item's stored row of a run, read without decoding the whole dataset.

``results.parquet`` is written as one row group in the engine's order, so finding one item there decodes
every column of every row (about 40 MB for 100,000 items): fine for a breakdown, too slow for an item's
page opened by many users.  The first lookup in a run therefore writes a copy sorted by item id in small
row groups (``.by-item.parquet`` in the run's own folder, so it goes wherever the run goes and disappears
with it), and each process keeps that file's footer and the id range of each row group: a lookup then
reads the one or two row groups whose range holds the id.  The run's recorded files are not touched, and
a run whose folder cannot take the copy (read-only) is read from ``results.parquet`` as before.

This module does no database, web or CLI work.
"""

from __future__ import annotations

import os
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq

from sobre.footprint.runs import dataset

INDEX = ".by-item.parquet"
#: Rows per row group of the copy: a lookup decodes this many rows of every column.
GROUP_ROWS = 256


@dataclass(frozen=True)
class _Index:
    path: Path
    metadata: Any  # pyarrow FileMetaData, parsed once per process
    #: (lowest id, highest id) of each row group, in file order.
    ranges: list[tuple[int, int]]
    layout: dataset.Layout


#: Runs whose copies this process knows (the latest runs of the organisations being browsed).
KEEP = 8
_indexes: dict[Path, _Index] = {}
_lock = threading.Lock()
#: Open readers per thread (a reader is not shared between threads; opening one walks the schema).
_readers = threading.local()


def _build(folder: Path) -> Path:
    """Write the sorted copy (into a temporary name first: concurrent builders each replace it whole)."""
    target = folder / INDEX
    wide = pl.read_parquet(folder / dataset.RESULTS).sort("item_id", "item_kind", maintain_order=True)
    tmp = folder / f".by-item-{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp"
    try:
        wide.write_parquet(
            tmp, compression="zstd", compression_level=1, row_group_size=GROUP_ROWS, statistics=True
        )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _open(folder: Path) -> _Index | None:
    path = folder / INDEX
    if not path.is_file():
        try:
            _build(folder)
        except OSError:
            return None
    metadata = pq.read_metadata(path)
    column = metadata.schema.to_arrow_schema().get_field_index("item_id")
    ranges = []
    for i in range(metadata.num_row_groups):
        stats = metadata.row_group(i).column(column).statistics
        ranges.append((int(stats.min), int(stats.max)))
    return _Index(path, metadata, ranges, dataset.layout_of(folder))


def _index(folder: Path, fresh: bool) -> _Index | None:
    with _lock:
        found = None if fresh else _indexes.get(folder)
        if found is None:
            _indexes.pop(folder, None)
            found = _open(folder)
            if found is not None:
                _indexes[folder] = found
                while len(_indexes) > KEEP:
                    _indexes.pop(next(iter(_indexes)))
        return found


def _reader(index: _Index) -> pq.ParquetFile:
    readers: dict[Path, tuple[_Index, pq.ParquetFile]] = getattr(_readers, "files", None) or {}
    _readers.files = readers
    found = readers.get(index.path)
    if found is None or found[0] is not index:
        found = (index, pq.ParquetFile(index.path, metadata=index.metadata))
        readers[index.path] = found
        while len(readers) > KEEP:
            readers.pop(next(iter(readers)))[1].close()
    return found[1]


def read_item(folder: Path, kind: str, item_id: int) -> tuple[pl.DataFrame, dataset.Layout]:
    """The wide row of item (``kind``, ``item_id``) in the run stored in ``folder`` (no row: not in the
    run), and the dataset's layout; the same row ``service.read_items`` reads."""
    for fresh in (False, True):
        index = _index(folder, fresh)
        if index is None:  # the folder cannot take the copy: scan the run's own file
            break
        groups = [i for i, (low, high) in enumerate(index.ranges) if low <= item_id <= high]
        try:
            table = _reader(index).read_row_groups(groups)
        except OSError:  # the folder was removed and extracted again (PostgreSQL cache): reopen it
            getattr(_readers, "files", {}).pop(index.path, None)
            continue
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        return frame.filter((pl.col("item_id") == item_id) & (pl.col("item_kind") == kind)), index.layout
    scan = dataset.scan(folder).filter((pl.col("item_id") == item_id) & (pl.col("item_kind") == kind))
    return scan.collect(), dataset.layout_of(folder)

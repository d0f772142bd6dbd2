"""Running per-file partial summaries in this process or on a Dask cluster.

The work of a return is a map over the files of the ledger (:func:`taxapi.ledgers.oss.file_partial`
per file, on any worker) and a merge of the small partial summaries on the caller
(:func:`taxapi.oss.service.merge`, exact and order-independent), then ``finish`` once.
``engine="dask"`` runs the map on ``dask.distributed``: a :class:`~dask.distributed.LocalCluster`
of ``workers`` processes, or the existing cluster at ``scheduler`` (``tcp://host:8786``). The
workers need taxapi installed (the same version: ``rates_version`` is checked) and must see the
ledger files under the same paths (a shared file system or a mounted bucket).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from taxapi.errors import TaxApiError, ValidationFailed
from taxapi.ledgers.sources import LedgerFile


class _Failed:
    """A TaxApiError raised on a worker, carried back whole (its fields do not survive pickling
    as an exception)."""

    def __init__(self, exc: TaxApiError):
        self.cls, self.detail, self.errors, self.fields = type(exc), exc.detail, exc.errors, exc.fields

    def reraise(self) -> None:
        raise self.cls(self.detail, errors=self.errors, **self.fields)


def _guarded(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except TaxApiError as exc:
        return _Failed(exc)


def _rates_version() -> str:
    from taxapi.rate_tables.loader import get_rate_book

    return get_rate_book().version


def map_files(
    fn: Callable[..., Any], files: Sequence[LedgerFile], *, engine: str = "local", workers: int | None = None,
    scheduler: str | None = None, progress: Callable[[int, Any], None] | None = None, **kwargs: Any,
) -> list[Any]:
    """``[fn(file, **kwargs) for file in files]``, here or on a Dask cluster; results in file order.

    ``progress(i, result)`` is called as each file is done (in completion order on a cluster)."""
    if engine == "local":
        out = []
        for i, f in enumerate(files):
            out.append(_guarded(fn, f, **kwargs))
            if isinstance(out[-1], _Failed):
                out[-1].reraise()
            if progress:
                progress(i, out[-1])
        return out
    if engine != "dask":
        raise ValidationFailed.at(["option", "engine"], f"unknown engine {engine!r}: local or dask")
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ValidationFailed.at(["option", "engine"], "the dask engine needs dask.distributed: "
                                  "pip install 'taxapi[cluster]'") from None
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
        client = Client(cluster)
    try:
        here = _rates_version()
        versions = set(client.run(_rates_version).values())
        if versions - {here}:
            raise ValidationFailed.at(["option", "scheduler"], f"the workers run rates_version {sorted(versions)}, "
                                      f"this process {here}: install the same taxapi on every worker")
        futures = [client.submit(_guarded, fn, f, pure=False, **kwargs) for f in files]
        position = {fut.key: i for i, fut in enumerate(futures)}
        results: list[Any] = [None] * len(files)
        for fut in as_completed(futures):
            i = position[fut.key]
            results[i] = fut.result()
            if isinstance(results[i], _Failed):
                results[i].reraise()
            if progress:
                progress(i, results[i])
        return results
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def reduce_partials(merge: Callable[[Any, Any], Any], partials: Iterable[Any]) -> Any:
    return functools.reduce(merge, partials)

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

from collections.abc import Callable, Sequence
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


class Engine:
    """Maps a function over ledger files here or on a Dask cluster (one cluster for all maps made
    inside ``with``)."""

    def __init__(self, engine: str = "local", *, workers: int | None = None, scheduler: str | None = None):
        if scheduler:
            engine = "dask"
        if engine not in ("local", "dask"):
            raise ValidationFailed.at(["option", "engine"], f"unknown engine {engine!r}: local or dask")
        self.kind, self.workers, self.scheduler = engine, workers, scheduler
        self.client: Any = None
        self.cluster: Any = None

    def __enter__(self) -> "Engine":
        if self.kind == "dask":
            try:
                from dask.distributed import Client, LocalCluster
            except ImportError:
                raise ValidationFailed.at(["option", "engine"], "the dask engine needs dask.distributed: "
                                          "pip install 'taxapi[cluster]'") from None
            if self.scheduler:
                self.client = Client(self.scheduler)
            else:
                self.cluster = LocalCluster(n_workers=self.workers or 2, threads_per_worker=1, processes=True,
                                            dashboard_address=":0", silence_logs=40)
                self.client = Client(self.cluster)
            here = _rates_version()
            versions = set(self.client.run(_rates_version).values())
            if versions - {here}:
                self.__exit__()
                raise ValidationFailed.at(["option", "scheduler"], f"the workers run rates_version {sorted(versions)}, "
                                          f"this process {here}: install the same taxapi on every worker")
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None

    def map(self, fn: Callable[..., Any], files: Sequence[LedgerFile], *,
            progress: Callable[[int, Any], None] | None = None, **kwargs: Any) -> list[Any]:
        """``[fn(file, **kwargs) for file in files]``; results in file order. ``progress(i, result)``
        is called as each file is done (in completion order on a cluster)."""
        results: list[Any] = [None] * len(files)
        if self.client is None:
            for i, f in enumerate(files):
                results[i] = _guarded(fn, f, **kwargs)
                if isinstance(results[i], _Failed):
                    results[i].reraise()
                if progress:
                    progress(i, results[i])
            return results
        from dask.distributed import as_completed

        futures = [self.client.submit(_guarded, fn, f, pure=False, **kwargs) for f in files]
        position = {fut.key: i for i, fut in enumerate(futures)}
        for fut in as_completed(futures):
            i = position[fut.key]
            results[i] = fut.result()
            if isinstance(results[i], _Failed):
                results[i].reraise()
            if progress:
                progress(i, results[i])
        return results


def map_files(
    fn: Callable[..., Any], files: Sequence[LedgerFile], *, engine: str = "local", workers: int | None = None,
    scheduler: str | None = None, progress: Callable[[int, Any], None] | None = None, **kwargs: Any,
) -> list[Any]:
    """One map over ``files`` on a fresh :class:`Engine`."""
    with Engine(engine, workers=workers, scheduler=scheduler) as eng:
        return eng.map(fn, files, progress=progress, **kwargs)

"""Run one call in a forked helper process while this process does other work (POSIX ``fork``).

The helper is a copy of this process at the moment of the fork, so it needs no arguments sent or
modules imported again; only its return value (or exception) comes back, pickled, through a pipe.
An exception raised in the helper is raised again here with the same type and message (its
traceback attached as the cause), so the command line reports it with the same one-line error.
Where ``fork`` is missing, or ``CLUSTERSITE_SERIAL=1`` is set, the call runs in this process
when its value is asked for. A helper ends when this process ends, however it ends (``kill -9``
included): it watches its parent (``optimizer.runs.lifeline``).

>>> pending = fork_call(sum, [1, 2, 3])
>>> pending.result()
6
"""

from __future__ import annotations

import copyreg
import io
import multiprocessing
import os
import pickle
import traceback
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

from optimizer.runs.lifeline import exit_with_parent

SERIAL_ENV = "CLUSTERSITE_SERIAL"
"""Set to 1 to run everything in one process (no helper)."""
JOIN_TIMEOUT_S = 5.0
"""How long to wait for a helper that sent its value to exit [s]."""


def can_fork() -> bool:
    """True when calls may run in a forked helper (POSIX, not disabled by ``CLUSTERSITE_SERIAL``)."""
    if os.environ.get(SERIAL_ENV, "").strip() not in ("", "0"):
        return False
    return "fork" in multiprocessing.get_all_start_methods()


def _mapping_proxy(items: dict) -> MappingProxyType:
    return MappingProxyType(items)


def _reduce_mapping_proxy(proxy: MappingProxyType) -> tuple:
    return _mapping_proxy, (dict(proxy),)


def dumps(value: object) -> bytes:
    """Pickle ``value``; read-only mappings (``MappingProxyType``, as in ``Scenario``) included."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {**copyreg.dispatch_table, MappingProxyType: _reduce_mapping_proxy}
    pickler.dump(value)
    return buffer.getvalue()


class RemoteTraceback(Exception):
    """The traceback of an exception raised in the helper (attached as ``__cause__``)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class HelperFailed(RuntimeError):
    """The helper ended without sending a value (killed, or out of memory)."""


def _error_payload(exc: BaseException) -> bytes:
    """The pickled ("error", exception, traceback text); an exception that cannot be pickled
    travels as a RuntimeError carrying its type and message."""
    text = "".join(traceback.format_exception(exc))
    try:
        payload = dumps(("error", exc, text))
        pickle.loads(payload)  # an exception whose constructor cannot take its args fails here
        return payload
    except Exception:  # noqa: BLE001 - any pickling failure falls back to the message
        return dumps(("error", RuntimeError(f"{type(exc).__name__}: {exc}"), text))


def _run_in_helper(
    conn, unused, parent: int, func: Callable[..., Any], args: tuple, kwargs: dict
) -> None:
    """Body of the helper: run the call, send its value or its exception, never return.

    The helper closes its inherited copy of the pipe's read end (so a write nobody reads fails
    instead of blocking) and ends as soon as its parent ``parent`` is gone, SIGKILL included."""
    unused.close()
    exit_with_parent(parent)
    try:
        try:
            payload = dumps(("ok", func(*args, **kwargs), ""))
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the caller
            payload = _error_payload(exc)
        conn.send_bytes(payload)
    finally:
        conn.close()
        os._exit(0)  # no cleanup of the parent's open contexts (staging folders) in the copy


class Pending:
    """The value of a call running in a helper (or, without fork, of a call not yet run)."""

    def __init__(self, func: Callable[..., Any], args: tuple, kwargs: dict, fork: bool) -> None:
        self._call = (func, args, kwargs)
        self._process = None
        self._conn = None
        self._done = False
        self._value: Any = None
        if fork:
            context = multiprocessing.get_context("fork")
            receiver, sender = context.Pipe(duplex=False)
            self._process = context.Process(
                target=_run_in_helper,
                args=(sender, receiver, os.getpid(), func, args, kwargs),
                daemon=True,
            )
            self._process.start()
            sender.close()
            self._conn = receiver

    @property
    def forked(self) -> bool:
        """True if the call runs in a helper process."""
        return self._process is not None

    def ready(self) -> bool:
        """True when the value is there to take (a helper has sent it, or it was taken)."""
        if self._done:
            return True
        return self._conn is not None and self._conn.poll()

    def result(self) -> Any:
        """Wait for the call and return its value; re-raise its exception here."""
        if self._done:
            return self._value
        if self._process is None:
            func, args, kwargs = self._call
            self._value, self._done = func(*args, **kwargs), True
            return self._value
        try:
            payload = self._conn.recv_bytes()
        except EOFError:
            payload = None
        finally:
            self._conn.close()
        self._process.join(JOIN_TIMEOUT_S)
        code = self._process.exitcode
        self._process = None  # joined: nothing left to stop
        self._done = True
        if payload is None:
            raise HelperFailed(f"a helper process ended without a result (exit code {code})")
        kind, value, text = pickle.loads(payload)
        if kind == "error":
            raise value from RemoteTraceback(text)
        self._value = value
        return value

    def cancel(self) -> None:
        """Stop the helper if it still runs (after an error or interrupt here)."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.is_alive():
            process.terminate()
        process.join(JOIN_TIMEOUT_S)
        if self._conn is not None:
            self._conn.close()

    def __enter__(self) -> Pending:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.cancel()


def fork_call(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Pending:
    """Start ``func(*args, **kwargs)`` in a forked helper and return at once; ``result()``
    waits for it. Without fork (see ``can_fork``) the call runs inside ``result()``."""
    return Pending(func, args, kwargs, fork=can_fork())


__all__ = ["SERIAL_ENV", "HelperFailed", "Pending", "can_fork", "dumps", "fork_call"]

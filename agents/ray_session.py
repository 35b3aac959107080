"""Connecting to Ray: the one place that imports it and starts or joins an instance.

Used by the ``ray`` executor (:mod:`agents.executors_ray`) and the Ray verifier pool
(:mod:`agents.verifier_pool_ray`). Ray is an optional dependency (``pip install
'lean-gym[ray]'``), imported only here and only when asked for.

Without an address, :func:`connect_ray` starts a Ray instance on this machine: no dashboard, a
small object store (results are small and ``/dev/shm`` is shared), every Ray process
listening on 127.0.0.1 only (Ray runs any code it is sent, so a single-machine run keeps it off
the network) and its workers at the priority of the local executor's worker processes (nice 0,
where Ray's default is 15: on a machine that also runs other work, an eval on Ray would
otherwise get a fraction of the CPU an eval on worker processes gets; ``RAY_worker_niceness``
set by the user wins). With an address it joins that cluster and leaves it running when done.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from typing import Any

__all__ = [
    "RAY_INSTALL_HINT",
    "RayConnectError",
    "import_ray",
    "connect_ray",
    "check_address",
    "first_line",
]

RAY_INSTALL_HINT = "this needs Ray: pip install 'lean-gym[ray]'"
# The object store of a local instance.
LOCAL_OBJECT_STORE_BYTES = 256 * 1024 * 1024
# Ray's switch for a node address on the loopback interface (its name is historical: it also
# applies on Linux: ray._private.services.get_node_ip_address); read when ray is imported.
LOOPBACK_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
# Ray's nice value of its worker processes (RayConfig worker_niceness, default 15).
NICENESS_ENV = "RAY_worker_niceness"
# Seconds to reach a cluster's address before ray.init (which retries an unreachable GCS for
# minutes).
CONNECT_TIMEOUT = 10.0


class RayConnectError(ConnectionError):
    """Ray could not be reached (a cluster address) or started (a local instance)."""


def import_ray() -> Any:
    """``import ray``, or an :class:`ImportError` with the install hint."""
    try:
        import ray
    except ImportError as exc:
        raise ImportError(f"{RAY_INSTALL_HINT} ({exc})") from exc
    return ray


def first_line(error: BaseException) -> str:
    """The first line of an error's text (Ray's are long), or its type's name."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _host_port(address: str) -> tuple[str, int] | None:
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not host or not port.isdigit():
        return None
    return host.strip("[]"), int(port)


def check_address(address: str) -> None:
    """Checks the form of a cluster address (``auto``, ``HOST:PORT``, ``ray://HOST:PORT``).

    Raises:
        ValueError: For another form.
    """
    if address != "auto" and _host_port(address) is None:
        raise ValueError(f"a Ray address is auto, HOST:PORT or ray://HOST:PORT, got {address!r}")


def _probe(address: str) -> None:
    """Fails fast when nothing listens at ``HOST:PORT`` (``auto`` is left to Ray)."""
    target = _host_port(address)
    if target is None:
        return
    try:
        socket.create_connection(target, timeout=CONNECT_TIMEOUT).close()
    except OSError as exc:
        raise RayConnectError(
            f"cannot connect to the Ray cluster at {address}: nothing answers at "
            f"{target[0]}:{target[1]} within {CONNECT_TIMEOUT:g} s ({exc})"
        ) from None


def connect_ray(address: str | None = None, *, num_cpus: int | None = None) -> bool:
    """Connects this process to Ray unless it already is.

    Args:
        address: ``auto``, ``HOST:PORT`` or ``ray://HOST:PORT`` of a running cluster; None or
            empty: start a local instance (no dashboard, loopback only).
        num_cpus: The CPUs a local instance offers (default: this machine's).

    Returns:
        True when this call connected (the caller calls ``ray.shutdown()`` when done: a local
        instance stops, a cluster stays), False when Ray was already initialised.

    Raises:
        ImportError: Ray is not installed (with the install hint).
        ValueError: ``address`` has none of the forms above.
        RayConnectError: The cluster could not be reached (nothing listening at ``HOST:PORT``
            within :data:`CONNECT_TIMEOUT` seconds, or Ray refused) or the instance did not
            start.
    """
    if not address and "ray" not in sys.modules:
        os.environ.setdefault(LOOPBACK_ENV, "0")
    if not address:
        os.environ.setdefault(NICENESS_ENV, "0")  # read by the raylet it starts
    ray = import_ray()
    if ray.is_initialized():
        return False
    if address:
        check_address(address)
        _probe(address)
    try:
        if address:
            ray.init(address=address, namespace="lean-gym", logging_level=logging.WARNING)
        else:
            ray.init(
                address="local",
                num_cpus=num_cpus or os.cpu_count() or 1,
                include_dashboard=False,
                object_store_memory=LOCAL_OBJECT_STORE_BYTES,
                namespace="lean-gym",
                logging_level=logging.WARNING,
            )
    except (ConnectionError, RuntimeError, ValueError, OSError) as exc:
        where = f"the Ray cluster at {address}" if address else "a local Ray instance"
        raise RayConnectError(f"cannot connect to {where}: {first_line(exc)}") from None
    return True

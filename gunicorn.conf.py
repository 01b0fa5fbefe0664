"""gunicorn settings for production (see README and docs/operations.md).

gthread workers: threads overlap waiting on slow mobile clients; a buffering proxy
(nginx) in front still matters. Two processes use both cores; the store's flock
keeps a single writer across them (SQLite 3.40's WAL-reset bug).
"""

import os
import tempfile

# Prometheus counts from every worker, added up at /metrics. The folder must exist
# before the workers import prometheus_client; a folder made here is removed when
# gunicorn exits, and one set by the operator is emptied at each start.
_OWN_METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
if _OWN_METRICS_DIR:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="trailapp-metrics-")
else:
    for _name in os.listdir(os.environ["PROMETHEUS_MULTIPROC_DIR"]):
        if _name.endswith(".db"):
            os.unlink(os.path.join(os.environ["PROMETHEUS_MULTIPROC_DIR"], _name))

bind = os.environ.get("TRAILAPP_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("TRAILAPP_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("TRAILAPP_THREADS", "4"))
timeout = 30
graceful_timeout = 20
keepalive = 5
# Each worker listens on its own SO_REUSEPORT socket, so the kernel spreads
# connections evenly (one shared socket let one worker take most keep-alive
# connections and left the other core idle).
reuse_port = True
# Recycle a worker now and then (a guard against slow leaks), rarely: a restart
# empties that worker's response cache and connection pool.
max_requests = 1_000_000
max_requests_jitter = 100_000
limit_request_line = 8190
# No "Server: gunicorn/x.y" version leak: the header names the service only.
import gunicorn  # noqa: E402
import gunicorn.http.wsgi  # noqa: E402

gunicorn.SERVER = gunicorn.http.wsgi.SERVER = "trailapp"


def child_exit(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    """Forget a dead worker's live gauges (its counters stay counted)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):  # noqa: ARG001 - gunicorn's hook signature
    """Remove the metrics folder this configuration made."""
    if _OWN_METRICS_DIR:
        import shutil

        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


#: glibc's mallopt parameters (malloc.h) and the values each worker sets.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD = 32 * 2**20
_TRIM_THRESHOLD = 64 * 2**20


def post_fork(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    """Keep large blocks in the worker's heaps rather than mapping them afresh.

    Requests are answered in threads (gthread), and glibc gives each thread's arena
    every block over 128 KiB as a new memory map, returned on free: a page of 1,000
    features (600 KB, made and joined a few times over) then spent most of its time in
    page faults, 2.1 ms a request in a thread against 0.6 ms in the main thread
    (bench/read_api.py, items?limit=1000). Blocks up to 32 MiB now come from the
    arenas, which give memory back above 64 MiB free at their top. Only on glibc
    (TRAILAPP_MALLOC_TUNING=0 leaves malloc as it is)."""
    if os.environ.get("TRAILAPP_MALLOC_TUNING", "1") == "0":
        return
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc: nothing to tune
        return
    mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
    mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)

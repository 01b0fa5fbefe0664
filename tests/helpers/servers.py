"""The production server (gunicorn with gunicorn.conf.py) started for a test, on a
free loopback port, and stopped with its whole process group."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict, port: int) -> subprocess.Popen:
    """gunicorn serving wsgi:app as documented, once /healthz answers."""
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--config",
         str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}", "--chdir",
         str(ROOT), "wsgi:app"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):  # noqa: S310
                return proc
        except OSError:
            time.sleep(0.05)
    stop(proc)
    raise RuntimeError("gunicorn did not start")


def stop(proc: subprocess.Popen) -> None:
    """Stop the server and its workers."""
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(10)

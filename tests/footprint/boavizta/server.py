"""Install BoaviztAPI in its own virtual environment and run its server on a loopback port.

BoaviztAPI is AGPL-3.0: Sobre only talks to it over HTTP, so it lives in a separate venv
(``.cache/boaviztapi-venv/`` at the repository root, created once, git-ignored), never in Sobre's.
Used by the integration test and by ``benchmarks/boavizta_throughput.py``.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[3]
VERSION = "2.5.0"
VENV = ROOT / ".cache" / "boaviztapi-venv"
_READY = ".sobre-ready"


class BoaviztaUnavailable(RuntimeError):
    """BoaviztAPI could not be installed (e.g. no access to the package registry)."""


def ensure_venv(venv: Path = VENV, version: str = VERSION) -> Path:
    """Create the venv with ``boaviztapi==version`` and uvicorn unless already there; return its python.

    A lock file keeps parallel test workers from installing twice; a marker written last means a
    half-finished install is redone rather than trusted.
    """
    python = venv / "bin" / "python"
    marker = venv / _READY
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / "boaviztapi-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.is_file() and marker.read_text().strip() == version and python.exists():
            return python
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        done = subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "-q",
                f"boaviztapi=={version}",
                "uvicorn",
            ],
            capture_output=True,
            text=True,
            timeout=900,
        )
        if done.returncode != 0:
            raise BoaviztaUnavailable(
                f"pip could not install boaviztapi=={version}: {(done.stderr or done.stdout)[-800:]}"
            )
        marker.write_text(version)
    return python


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class BoaviztaServer:
    """``uvicorn boaviztapi.main:app`` on 127.0.0.1:<free port>, as a context manager.

    ``uncertainty`` sets BoaviztAPI's rounding (``BOAVIZTA_UNCERTAINTY``, % of the min–max span; its
    default is 10): 1 keeps three significant figures, so results can be compared to 1 %.
    """

    def __init__(self, python: Path | None = None, *, uncertainty: int | None = 1, workers: int = 1) -> None:
        self.python = python or ensure_venv()
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.uncertainty = uncertainty
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None
        self.log = VENV.parent / f"boaviztapi-{self.port}.log"

    def start(self, timeout: float = 60.0) -> str:
        env = dict(os.environ)
        if self.uncertainty is not None:
            env["BOAVIZTA_UNCERTAINTY"] = str(self.uncertainty)
        cmd = [
            str(self.python),
            "-m",
            "uvicorn",
            "boaviztapi.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "warning",
            "--workers",
            str(self.workers),
        ]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.log.parent
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"BoaviztAPI exited at start-up: {self.log.read_text()[-1500:]}")
            try:
                if httpx.get(f"{self.url}/v1/utils/version", timeout=2).status_code == 200:
                    return self.url
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        tail = self.log.read_text()[-1500:]
        self.stop()
        raise RuntimeError(f"BoaviztAPI did not answer within {timeout:.0f} s: {tail}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        self.log.unlink(missing_ok=True)

    def __enter__(self) -> BoaviztaServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":
    # scripts/test.sh installs the venv ahead, beside the type check; a failure is the tests' to report.
    try:
        ensure_venv()
    except BoaviztaUnavailable as exc:
        sys.exit(str(exc))

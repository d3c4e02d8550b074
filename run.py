#!/usr/bin/env python3
"""One command to run Alinea or its tests on a machine that has only Python 3.11+.

    python3 run.py serve [alinea serve options]   # the service on http://127.0.0.1:8000
    python3 run.py test [pytest options]          # the whole test suite
    python3 run.py alinea ARGS...                 # any other alinea command

It creates a virtual environment in .venv, installs the project into it (again only when
pyproject.toml changed), then runs the command inside it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".alinea-installed"


def _fingerprint(extras: str) -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    digest.update(extras.encode())
    return digest.hexdigest()


def ensure_environment(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 -- run.py may be started by an older python3
        sys.exit(f"Alinea needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        print(f"creating a virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = _fingerprint(extras)
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    print(f"installing Alinea and its dependencies ({extras}) into {VENV}", flush=True)
    pip = [str(PYTHON), "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "--editable", f"{ROOT}[{extras}]"], check=True, cwd=ROOT)
    STAMP.write_text(wanted)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "test":
        ensure_environment("test")
        return subprocess.call([str(PYTHON), "-m", "pytest", *rest], cwd=ROOT)
    if command == "serve":
        ensure_environment("test")
        return subprocess.call([str(BIN / "alinea"), "serve", *rest])
    if command == "alinea":
        ensure_environment("test")
        return subprocess.call([str(BIN / "alinea"), *rest])
    print(f"unknown command {command!r}; use serve, test or alinea", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

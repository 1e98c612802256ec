"""`onefunnel docs`: the dbt documentation site of a warehouse, generated and served locally.

`dbt docs generate` reads the catalog (tables, columns, types) from the candidate warehouse,
the file every run builds, because the published file holds only `core`, `marts` and `audit`
and is opened read-only by BI tools. The site is written beside the warehouse
(`<warehouse>.dbt_docs/`) and served by Python's own HTTP server on 127.0.0.1, which needs
no network and serves exactly the files dbt wrote.
"""

from __future__ import annotations

import json
import os
import subprocess
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from orchestration.lib.paths import PROJECT_DIR
from orchestration.lib.settings import Settings

HOST = "127.0.0.1"


class DocsError(RuntimeError):
    """The documentation could not be generated; the message says why."""


def docs_dir(settings: Settings) -> Path:
    stem = settings.warehouse.name.removesuffix(settings.warehouse.suffix)
    return settings.warehouse.with_name(stem + ".dbt_docs")


def generate_docs(settings: Settings, dbt: str) -> Path:
    """Run `dbt docs generate` against the candidate of `settings.warehouse`; return the site."""
    if not settings.candidate.exists():
        raise DocsError(
            f"no candidate warehouse at {settings.candidate}: run `onefunnel run` first"
        )
    target = docs_dir(settings)
    command = [
        dbt,
        "docs",
        "generate",
        "--quiet",
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--target-path",
        str(target),
        "--vars",
        json.dumps(settings.dbt_vars()),
    ]
    # dbt's profile reads the candidate's path (ONEFUNNEL_CANDIDATE) from the environment.
    environment = {**os.environ, **settings.environment()}
    done = subprocess.run(command, cwd=PROJECT_DIR, env=environment, capture_output=True, text=True)
    if done.returncode != 0 or not (target / "index.html").exists():
        output = (done.stdout + done.stderr).strip()
        raise DocsError(f"dbt docs generate failed (exit {done.returncode}):\n{output}")
    return target


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 — the base class's name
        pass


def docs_server(site: Path, port: int) -> ThreadingHTTPServer:
    """An HTTP server for `site` on 127.0.0.1 (port 0: any free port); call serve_forever."""
    handler = partial(_QuietHandler, directory=str(site))
    return ThreadingHTTPServer((HOST, port), handler)

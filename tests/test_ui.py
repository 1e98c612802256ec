"""`onefunnel ui` serves the Dagster UI for the project, on the loopback interface only."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_ui_serves_the_code_location_on_loopback(tmp_path):
    port = free_port()
    onefunnel = Path(sys.executable).parent / "onefunnel"
    ui = subprocess.Popen(
        [str(onefunnel), "ui", "--warehouse", str(tmp_path / "w.duckdb"), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        env={**os.environ, "ONEFUNNEL_TIMEZONE": "UTC"},
    )
    try:
        deadline = time.monotonic() + 240
        info = None
        while time.monotonic() < deadline and info is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5) as r:
                    info = json.load(r)
            except OSError:
                assert ui.poll() is None, ui.stdout.read()
                time.sleep(1)
        assert info is not None, "the UI did not answer within four minutes"
        assert "dagster_webserver_version" in info
        listening = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True).stdout
        sockets = [line.split()[3] for line in listening.splitlines() if f":{port}" in line]
        assert sockets == [f"127.0.0.1:{port}"]
        query = json.dumps(
            {
                "query": "{ repositoriesOrError { ... on RepositoryConnection"
                " { nodes { name jobs { name } } } } }"
            }
        ).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/graphql",
            data=query,
            headers={"Content-Type": "application/json"},
        )
        deadline = time.monotonic() + 120
        jobs: list[str] = []
        while time.monotonic() < deadline and "daily_pipeline" not in jobs:
            with urllib.request.urlopen(request, timeout=30) as r:
                nodes = json.load(r)["data"]["repositoriesOrError"].get("nodes", [])
            jobs = [job["name"] for node in nodes for job in node["jobs"]]
            time.sleep(1)
        assert "daily_pipeline" in jobs
    finally:
        os.killpg(ui.pid, signal.SIGINT)
        try:
            ui.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(ui.pid, signal.SIGKILL)

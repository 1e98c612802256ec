"""The documentation: every mart described column by column, and `onefunnel docs` serving it."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from orchestration.defs.dbt.project import dbt_executable
from orchestration.lib.docs import docs_dir
from orchestration.lib.paths import PROJECT_DIR
from orchestration.lib.settings import Settings


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    target = tmp_path_factory.mktemp("dbt_parse")
    subprocess.run(
        [
            dbt_executable(),
            "--quiet",
            "parse",
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(target),
        ],
        cwd=PROJECT_DIR,
        check=True,
    )
    return json.loads((target / "manifest.json").read_text(encoding="utf-8"))


def mart_models(manifest: dict) -> list[dict]:
    return [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["original_file_path"].startswith("models/marts/")
    ]


def test_every_mart_and_every_listed_column_has_a_description(manifest):
    models = mart_models(manifest)
    assert len(models) >= 20
    undescribed = [m["name"] for m in models if not m["description"].strip()]
    assert undescribed == []
    columns = [
        f"{m['name']}.{name}"
        for m in models
        for name, column in m["columns"].items()
        if not column["description"].strip()
    ]
    assert columns == []
    # A described model lists its columns: every published mart has at least a few.
    assert [m["name"] for m in models if not m["columns"]] == []


def test_exposures_depend_on_published_marts(manifest):
    exposures = manifest["exposures"].values()
    assert {e["name"] for e in exposures} >= {"weekly_alignment_report", "alignment_dashboard"}
    for exposure in exposures:
        assert exposure["description"].strip()
        depends = exposure["depends_on"]["nodes"]
        assert depends
        for node in depends:
            assert manifest["nodes"][node]["original_file_path"].startswith("models/marts/")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200
        return response.read()


@pytest.mark.slow
def test_docs_are_generated_and_served_on_localhost(marts_warehouse: Path):
    port = free_port()
    command = [sys.executable, "-m", "orchestration.cli", "docs"]
    command += ["--warehouse", str(marts_warehouse), "--port", str(port)]
    server = subprocess.Popen(
        command, cwd=PROJECT_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            assert server.poll() is None, server.stdout.read()
            try:
                index = fetch(f"{base}/index.html")
                break
            except OSError:
                assert time.monotonic() < deadline, "docs were not served within 300 s"
                time.sleep(1)
        assert b"dbt" in index
        served = json.loads(fetch(f"{base}/manifest.json"))
        assert "model.onefunnel.sql_by_handover_monthly" in served["nodes"]
        catalog = json.loads(fetch(f"{base}/catalog.json"))
        columns = catalog["nodes"]["model.onefunnel.sql_by_handover_monthly"]["columns"]
        assert "implicit_handover_count" in columns
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert (docs_dir(Settings(warehouse=marts_warehouse)) / "index.html").exists()

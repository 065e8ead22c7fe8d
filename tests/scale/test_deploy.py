"""deploy/: the docker compose file read as YAML and held to what the workers need (Docker cannot run here), and
the systemd units checked by ``systemd-analyze verify``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"


def _minutes(text: str) -> float:
    found = re.fullmatch(r"(\d+)([smh])", text.strip())
    assert found, text
    return int(found.group(1)) * {"s": 1 / 60, "m": 1, "h": 60}[found.group(2)]


def test_compose_file_runs_broker_workers_minio_and_flower() -> None:
    text = (DEPLOY / "docker-compose.yml").read_text("utf-8")
    compose = yaml.safe_load(text)
    services = compose["services"]
    workers = {name: s for name, s in services.items() if name.startswith("worker-")}
    assert {"rabbitmq", "flower", "minio", "minio-setup"} <= set(services) and len(workers) >= 3
    minio = services["minio"]
    assert minio["image"].startswith("minio/minio:") and "minio-data:/data" in minio["volumes"]
    assert "minio-data" in compose["volumes"] and minio["healthcheck"]["test"][:2] == ["CMD", "mc"]
    setup = " ".join(services["minio-setup"]["command"])
    assert "mc mb --ignore-existing local/forensics-staging" in setup
    rabbit = services["rabbitmq"]
    assert rabbit["image"].startswith("rabbitmq:") and rabbit["healthcheck"]["test"][:2] == ["CMD", "rabbitmq-diagnostics"]
    assert any(v.startswith("rabbitmq-data:/var/lib/rabbitmq") for v in rabbit["volumes"])  # queues survive restarts
    conf_mount = next(v for v in rabbit["volumes"] if v.startswith("./rabbitmq.conf:"))
    assert conf_mount.endswith(":ro")
    timeout = re.search(r"^consumer_timeout\s*=\s*(\d+)", (DEPLOY / "rabbitmq.conf").read_text(), re.M)
    assert timeout and int(timeout.group(1)) >= 30 * 60 * 1000  # above the longest capture
    keys = set()
    for worker in workers.values():
        assert worker["build"]["dockerfile"] == "deploy/worker.Dockerfile"
        assert (ROOT / worker["build"]["context"].replace("..", ".") / worker["build"]["dockerfile"]).is_file()
        assert worker["depends_on"]["rabbitmq"]["condition"] == "service_healthy"
        assert worker["environment"]["FORENSICS_BROKER_URL"].startswith("amqp://")
        assert "FORENSICS_BROKER_PASSWORD" in worker["environment"]
        assert "@rabbitmq:" in worker["environment"]["FORENSICS_BROKER_URL"]
        assert worker["read_only"] is True and worker["shm_size"] and any(t.startswith("/tmp") for t in worker["tmpfs"])
        assert _minutes(worker["stop_grace_period"]) >= 20  # the running capture finishes on a warm stop
        # staging: the MinIO bucket, reached with the workers' own key from .env (never written in the file)
        env = worker["environment"]
        assert env["FORENSICS_WORKER_STAGING"] == "s3://forensics-staging/bundles"
        assert env["FORENSICS_S3_ENDPOINT"] == "http://minio:9000"
        assert env["FORENSICS_S3_SECRET_KEY"].startswith("${") and env["FORENSICS_S3_ACCESS_KEY"].startswith("${")
        assert worker["depends_on"]["minio-setup"]["condition"] == "service_completed_successfully"
        key = next(v.split(":")[0] for v in worker["volumes"] if v.endswith("/.config/forensics-toolkit"))
        keys.add(key)
        assert key in compose["volumes"]
    assert len(keys) == len(workers)  # every worker its own key: its identity at the desk
    # the shared-folder alternative is there, commented, for every worker
    assert text.count('# - "${FORENSICS_STAGING:?set it in .env}:/staging"') == len(workers)
    assert "# FORENSICS_WORKER_STAGING: /staging" in text
    flower = services["flower"]
    assert "flower" in flower["command"] and all(p.startswith("127.0.0.1:") for p in flower["ports"])
    dockerfile = (DEPLOY / "worker.Dockerfile").read_text()
    assert "chromium" in dockerfile and "[web,social,scale]" in dockerfile and "USER forensics" in dockerfile
    entrypoint = DEPLOY / "worker-entrypoint.sh"
    assert os.access(entrypoint, os.X_OK) and "forensics worker keygen" in entrypoint.read_text()


def test_systemd_units_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing: installer/debian-packages.txt lists systemd"
    bin_dir = Path(sys.executable).parent
    replacements = {"/usr/bin/forensics": str(bin_dir / "forensics"), "/opt/flower/bin/celery": str(bin_dir / "celery")}
    for unit, installed_as in (("forensics-worker@.service", "forensics-worker@1.service"),
                               ("forensics-flower.service", "forensics-flower.service")):
        text = (DEPLOY / "systemd" / unit).read_text()
        for installed, here in replacements.items():  # the programs where this checkout has them
            text = text.replace(installed, here)
        (tmp_path / installed_as).write_text(text)
        result = subprocess.run([analyze, "verify", "--man=no", str(tmp_path / installed_as)], capture_output=True,
                                text=True, env={**os.environ, "SYSTEMD_LOG_LEVEL": "warning"}, timeout=120)
        problems = [line for line in (result.stdout + result.stderr).splitlines() if installed_as in line]
        assert result.returncode == 0 and not problems, result.stdout + result.stderr
    worker = (DEPLOY / "systemd" / "forensics-worker@.service").read_text()
    assert "LoadCredential=broker-password:" in worker and "KillSignal=SIGTERM" in worker
    assert "FORENSICS_BROKER_PASSWORD" not in worker

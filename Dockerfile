# syntax=docker/dockerfile:1
# One image for web, worker, beat and the release task; the command chooses (see deploy/docker-entrypoint.sh).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build: a virtualenv with the pinned runtime dependencies ----
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
# Only requirements.txt is copied first, so code changes reuse the cached dependency layer.
# Every pinned dependency ships a manylinux wheel, so no compiler is needed even here.
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --only-binary=:all: -r /tmp/requirements.txt

# ---- runtime: the virtualenv and the code, run as an unprivileged user ----
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    HOME=/home/app
# /run/shopfront: runtime files the process may write (the compose stack shares moto's ids there).
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /home/app --create-home --shell /usr/sbin/nologin app \
    && install -d -o app -g app /run/shopfront
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=root:root . /app
USER 10001:10001
EXPOSE 8000
# Liveness only (no DB, no Redis); slim images have no curl, so Python asks. Worker/beat override or disable it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
ENTRYPOINT ["/app/deploy/docker-entrypoint.sh"]
CMD ["web"]

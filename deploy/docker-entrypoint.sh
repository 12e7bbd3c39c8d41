#!/bin/sh
# Container entrypoint: the first argument chooses the process (default web); anything else runs as given.
set -eu

# Optional `export NAME=value` lines written at run time (the compose stack's moto distribution id).
if [ -n "${SHOPFRONT_ENV_FILE:-}" ] && [ -f "$SHOPFRONT_ENV_FILE" ]; then
  # shellcheck disable=SC1090
  . "$SHOPFRONT_ENV_FILE"
fi

command="${1:-web}"
if [ "$#" -gt 0 ]; then
  shift
fi

case "$command" in
  web)
    exec gunicorn config.wsgi:application --config /app/gunicorn.conf.py "$@"
    ;;
  worker)
    exec celery --app config worker --loglevel "${CELERY_LOG_LEVEL:-INFO}" \
      --concurrency "${CELERY_CONCURRENCY:-2}" "$@"
    ;;
  beat)
    # Exactly one beat may run (the worker group's single instance); its schedule file is disposable.
    exec celery --app config beat --loglevel "${CELERY_LOG_LEVEL:-INFO}" \
      --schedule /tmp/celerybeat-schedule "$@"
    ;;
  release)
    exec /app/deploy/release.sh "$@"
    ;;
  *)
    exec "$command" "$@"
    ;;
esac

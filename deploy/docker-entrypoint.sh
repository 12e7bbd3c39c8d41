#!/bin/sh
# Container entrypoint: the first argument chooses the process; anything else runs as given.
set -eu

case "${1:-web}" in
  web)
    shift || true
    exec gunicorn config.wsgi:application --config /app/gunicorn.conf.py "$@"
    ;;
  worker)
    shift
    exec celery --app config worker --loglevel "${CELERY_LOG_LEVEL:-INFO}" \
      --concurrency "${CELERY_CONCURRENCY:-2}" "$@"
    ;;
  beat)
    shift
    # Exactly one beat may run (the worker group's single instance); its schedule file is disposable.
    exec celery --app config beat --loglevel "${CELERY_LOG_LEVEL:-INFO}" \
      --schedule /tmp/celerybeat-schedule "$@"
    ;;
  release)
    shift
    exec /app/deploy/release.sh "$@"
    ;;
  *)
    exec "$@"
    ;;
esac

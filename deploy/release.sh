#!/bin/sh
# Release task: run ONCE per deploy (one-off container, see deploy/README.md), never on every instance start.
# Migrations must stay backward compatible with the code still serving until the instance refresh ends.
set -eu

echo "release: migrate"
python manage.py migrate --noinput

echo "release: collectstatic"
# Hashed names (manifest storage): new files sit beside the old ones, so serving instances keep working.
python manage.py collectstatic --noinput

echo "release: check --deploy"
# Errors stop the release; warnings are printed (the compose stack runs plain HTTP on purpose).
python manage.py check --deploy

echo "release: done"

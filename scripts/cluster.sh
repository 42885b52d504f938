#!/usr/bin/env bash
# The multi-machine topology on this machine (docs/deployment.md): PostgreSQL primary + streaming
# replica, anvil, two job runners, three API processes behind nginx. `make install` first (or
# `make test`, which also installs PostgreSQL and nginx from Debian).
#   scripts/cluster.sh up       start it (prints the URLs and a regulator token)
#   scripts/cluster.sh status   /readyz of the proxy, each API process and each job runner
#   scripts/cluster.sh down     stop it (--remove also deletes its directory)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="$here/.venv/bin:$here/node_modules/.bin:$PATH"
exec "$here/.venv/bin/python" "$here/scripts/cluster.py" "$@"

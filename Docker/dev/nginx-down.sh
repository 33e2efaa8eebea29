#!/usr/bin/env bash
# nginx-down.sh DIR — stop the nginx that nginx-up.sh DIR started: only the master
# recorded in DIR/run/nginx.pid, and only while it still is nginx (its workers exit with
# it). The configuration, certificate and logs in DIR stay, so the thumbprint is the
# same after the next nginx-up.sh. DIR may also be given as $FERRY_CLUSTER_DIR.
set -euo pipefail

here=$(cd -- "$(dirname -- "$0")" && pwd -P)
# shellcheck source=lib.sh
. "$here/lib.sh"

down_dir "${1:-}"

# SIGTERM is nginx's fast shutdown: open connections are closed at once.
stop_pidfile "$DIR/run/nginx.pid" nginx 10
log "nginx from $DIR stopped"

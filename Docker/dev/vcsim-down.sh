#!/usr/bin/env bash
# vcsim-down.sh DIR — stop the ferry-vcsim that vcsim-up.sh DIR started: only the pid
# recorded in DIR/run/vcsim.pid, and only while it still is ferry-vcsim. Its VMs (in
# memory) and its datastore directory (DIR/vcsim/tmp, removed by the harness as it
# exits, and here if it could not) go with it; the password file stays.
# DIR may also be given as $FERRY_CLUSTER_DIR.
set -euo pipefail

here=$(cd -- "$(dirname -- "$0")" && pwd -P)
# shellcheck source=lib.sh
. "$here/lib.sh"

down_dir "${1:-}"

stop_pidfile "$DIR/run/vcsim.pid" ferry-vcsim 10
rm -rf -- "$DIR/vcsim/tmp"
log "ferry-vcsim from $DIR stopped"

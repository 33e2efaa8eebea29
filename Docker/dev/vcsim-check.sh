#!/usr/bin/env bash
# vcsim-check.sh [DIR] — check the vSphere test peer for real: ferry-vcsim (vcsim-up.sh)
# and nginx in front of it (nginx-up.sh), both started here if they are not running
# (DIR, default $FERRY_CLUSTER_DIR or .build-cluster in the repository).
#
# Each TLS port serves the certificate whose thumbprint is exported (openssl s_client,
# verified against FERRY_VCSIM_CA_FILE for 127.0.0.1); then vcsim-check.py: SOAP Login
# (InvalidLogin for a wrong password), a VM built around fixture files that stay
# byte-identical, Range reads through every port, power and ShutdownGuest, session
# expiry, faults. Removes what it creates. Exits non-zero with one line on failure.
set -euo pipefail

here=$(cd -- "$(dirname -- "$0")" && pwd -P)
repo=$(cd -- "$here/../.." && pwd -P)
# shellcheck source=lib.sh
. "$here/lib.sh"

DIR=$(dev_dir "${1:-${FERRY_CLUSTER_DIR:-$repo/.build-cluster}}")
exports=$(bash "$here/vcsim-up.sh" "$DIR") || die "vcsim-up.sh failed"
eval "$exports"
exports=$(bash "$here/nginx-up.sh" "$DIR") || die "nginx-up.sh failed"
eval "$exports"
export FERRY_VCSIM_SDK_URL FERRY_VCSIM_DIRECT_URL FERRY_VCSIM_SLOW_URL FERRY_VCSIM_FAULTS_URL \
    FERRY_VCSIM_USER FERRY_VCSIM_PASSWORD_FILE FERRY_VCSIM_THUMBPRINT FERRY_VCSIM_CA_FILE \
    FERRY_VCSIM_DATASTORE_DIR FERRY_VCSIM_DATACENTER FERRY_VCSIM_DATASTORE FERRY_VCSIM_CONTROL_URL \
    FERRY_NGINX_ACCESS_LOG

[[ $(stat -c %a "$FERRY_VCSIM_PASSWORD_FILE") == 600 ]] ||
    die "FAILED: $FERRY_VCSIM_PASSWORD_FILE is not mode 0600"
for url in "$FERRY_VCSIM_SDK_URL" "$FERRY_VCSIM_SLOW_URL" "$FERRY_VCSIM_FAULTS_URL"; do
    hostport=${url#https://}
    hostport=${hostport%%/*}
    served=$(openssl s_client -connect "$hostport" -CAfile "$FERRY_VCSIM_CA_FILE" -verify_ip 127.0.0.1 \
        -verify_return_error </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256 | sed 's/^.*=//') ||
        die "FAILED: no certificate verified against $FERRY_VCSIM_CA_FILE on $hostport (openssl s_client)"
    [[ $served == "$FERRY_VCSIM_THUMBPRINT" ]] ||
        die "FAILED: $hostport serves a certificate with thumbprint $served, FERRY_VCSIM_THUMBPRINT is $FERRY_VCSIM_THUMBPRINT"
done
log "the three TLS ports serve the certificate of FERRY_VCSIM_THUMBPRINT, verified against FERRY_VCSIM_CA_FILE (openssl s_client)"
python3 "$here/vcsim-check.py"

#!/usr/bin/env bash
# test.sh — everything needed to pass Ferry's tests on a fresh Debian 12 machine (as root):
# install the packages, start the local Ceph cluster and libvirtd, build, run every test.
#
#   bash Docker/dev/test.sh [swift test arguments, e.g. --filter CephTests]
#
# The unit tests alone need none of this (no cluster, no libvirtd), only the packages:
#   swift build --build-tests && swift test --skip-build --filter 'UnitTests|FerryBasicsTests|VMDKTests|VMwareConfigTests|FuzzRegressionTests'
#
# The cluster lives in $FERRY_CLUSTER_DIR (default: .build-cluster in the repository) and
# keeps running afterwards so the next run starts in seconds; stop it with
#   bash Docker/dev/nginx-down.sh DIR && bash Docker/dev/vcsim-down.sh DIR &&
#   bash Docker/dev/libvirt-node2-down.sh DIR && bash Docker/dev/libvirt-down.sh DIR && bash Docker/dev/ceph-down.sh DIR
# Set FERRY_SKIP_INSTALL=1 to skip apt-get when the packages are known to be there.
set -euo pipefail

repo=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
cd "$repo"
dir=${FERRY_CLUSTER_DIR:-$repo/.build-cluster}

if [[ ${FERRY_SKIP_INSTALL:-0} != 1 ]]; then
    bash Docker/dev/install-deps.sh
fi
command -v swift >/dev/null || export PATH=$PATH:/opt/swift/usr/bin
command -v swift >/dev/null || { echo "test.sh: no Swift toolchain (expected swift on PATH or in /opt/swift)" >&2; exit 1; }

eval "$(bash Docker/dev/ceph-up.sh "$dir")"
eval "$(bash Docker/dev/libvirt-up.sh "$dir")"
# A second libvirt node (own network and mount namespace, over TCP) for the placement tests.
eval "$(bash Docker/dev/libvirt-node2-up.sh "$dir")"
export CEPH_CONF LIBVIRT_DEFAULT_URI FERRY_NODE2_URI
# The vSphere test peer: ferry-vcsim (govmomi's simulator with a control API, built once into
# /var/cache/ferry) and nginx in front of it for TLS, a rate cap and injected faults.
eval "$(bash Docker/dev/vcsim-up.sh "$dir")"
eval "$(bash Docker/dev/nginx-up.sh "$dir")"
export FERRY_VCSIM_SDK_URL FERRY_VCSIM_DIRECT_URL FERRY_VCSIM_SLOW_URL FERRY_VCSIM_FAULTS_URL \
    FERRY_VCSIM_USER FERRY_VCSIM_PASSWORD_FILE FERRY_VCSIM_THUMBPRINT FERRY_VCSIM_CA_FILE \
    FERRY_VCSIM_DATASTORE_DIR FERRY_VCSIM_DATACENTER FERRY_VCSIM_DATASTORE FERRY_VCSIM_CONTROL_URL \
    FERRY_NGINX_ACCESS_LOG
# Once, before any Swift test relies on it (a few seconds): SOAP, the control API, Range
# reads through each port, faults.
bash Docker/dev/vcsim-check.sh "$dir"
# Other projects' test data, read in place (never copied into this repository).
export FERRY_PEER_DATA=${FERRY_PEER_DATA:-$(cd "$repo/.." && pwd -P)/shared/peer-data}
export FERRY_BINARY=$repo/.build/debug/ferry

swift build --build-tests
if (($#)); then
    swift test --skip-build "$@"
else
    # Suites that interrupt a running import at a chosen moment (kill -9, SIGTERM, cancel,
    # truncating its source, stopping libvirtd) run one test at a time after the others: on
    # two cores, tests running beside them can hold both threads of the concurrency pool in
    # blocking waits for seconds, and the moment passes before they act.
    # The vSphere suites count requests in nginx's one access log, so nothing else may talk
    # to vcsim while they run.
    timed='ServerTests|JobQueueEndToEndTests|FullPoolTests|JobWorkerTests|DuplicateUUIDTests|FailingInputsTests|SecondNodeSuites|CommandLineTests|VSphere'
    # Unit suites first: they need no daemon (the same filter runs them on a laptop without
    # Ceph); then every other suite exactly once.
    unit='UnitTests|FerryBasicsTests|VMDKTests|VMwareConfigTests|FuzzRegressionTests'
    swift test --skip-build --filter "$unit"
    swift test --skip-build --skip "$unit" --skip FaultTests --skip "$timed"
    swift test --skip-build --no-parallel --filter "$timed"
    # Fault tests stop the only OSD, which would stall every other suite: they run alone.
    swift test --skip-build --filter FaultTests
    # The HTTP API against its OpenAPI document (schemathesis), and the dashboard in headless Chromium.
    bash Docker/dev/api-conformance.sh
    bash Docker/dev/dashboard-check.sh
    # Coverage-guided fuzzing smoke run (libFuzzer + ASan/LSan), 30 s per parser; longer by hand: fuzz.sh 600
    bash Docker/dev/fuzz.sh 30
    # Load: 50 VMs through ferry serve and a ferry worker, alone, since its latency and
    # memory figures mean nothing beside other tests on two cores.
    bash Docker/dev/load-test.sh 50
fi

# lib.sh — what the benchmark scripts share. Source it from the repository's root; it
# starts (or finds) the local cluster, builds ferry in release mode, and sets
#   dir (the cluster folder), pool, ferry (the binary) and CEPH_CONF (exported).
# Needs the packages of Docker/dev/install-deps.sh.

log() { printf '%s\n' "$*" >&2; }

dir=${FERRY_CLUSTER_DIR:-$PWD/.build-cluster}
pool=${FERRY_BENCH_POOL:-rbd}
command -v swift >/dev/null || export PATH=$PATH:/opt/swift/usr/bin

eval "$(bash Docker/dev/ceph-up.sh "$dir")"
export CEPH_CONF
log "building ferry (release)"
swift build -c release --product ferry >&2
ferry=$PWD/.build/release/ferry

# Removes an image and its snapshots, if it exists.
remove_image() { rbd snap purge "$pool/$1" >/dev/null 2>&1 || true; rbd rm --no-progress "$pool/$1" >/dev/null 2>&1 || true; }

# Makes $1/fs.raw once: a 4 GiB ext4 filesystem ~30% full of real files from this machine
# (mke2fs -d, no mounting), the realistic disk every benchmark reads.
realistic_filesystem() {
    local work=$1
    mkdir -p "$work"
    if [[ ! -f $work/fs.raw ]]; then
        log "collecting ~1.2 GiB of real files for the filesystem"
        rm -rf "$work/tree"
        mkdir -p "$work/tree"
        budget=$((1200 * 1024 * 1024))
        python3 - "$work/tree" "$budget" <<'PY'
import os, shutil, sys
target, budget = sys.argv[1], int(sys.argv[2])
total = 0
for root in ("/usr/lib", "/usr/share", "/usr/bin", "/opt", "/usr/libexec"):
    for base, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            source = os.path.join(base, name)
            if os.path.islink(source) or not os.path.isfile(source):
                continue
            try:
                size = os.path.getsize(source)
            except OSError:
                continue
            if size == 0 or size > 64 << 20:
                continue
            destination = os.path.join(target, source.lstrip("/"))
            os.makedirs(os.path.dirname(destination), exist_ok=True)
            try:
                shutil.copyfile(source, destination)
            except OSError:
                continue
            total += size
            if total >= budget:
                print(total)
                sys.exit(0)
print(total)
PY
        log "making a 4 GiB ext4 filesystem from it (mke2fs -d)"
        rm -f "$work/fs.raw"
        truncate -s 4G "$work/fs.raw"
        mke2fs -q -t ext4 -d "$work/tree" "$work/fs.raw"
        rm -rf "$work/tree"
    fi
}

# Runs a command and prints "seconds peak_rss_kib cpu_seconds" (RSS of the largest child,
# user + system CPU of the command).
measure() {
    python3 - "$@" <<'PY'
import resource, subprocess, sys, time
start = time.monotonic()
result = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
elapsed = time.monotonic() - start
if result.returncode != 0:
    sys.stderr.write(result.stderr.decode(errors="replace"))
    sys.exit(result.returncode)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{elapsed:.3f} {usage.ru_maxrss} {usage.ru_utime + usage.ru_stime:.3f}")
PY
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }


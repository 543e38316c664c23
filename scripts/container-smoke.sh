#!/usr/bin/env bash
# Build the Dockerfile's runtime stage with buildah and run it as a job and as a desk on
# one volume — without Docker and without pulling the Rust image: the build stage is
# replaced by a prebuilt banyue binary (the one scripts/check-docker-build.sh builds).
#
#   apt-get install buildah            # and debootstrap, if no base image can be pulled
#   scripts/container-smoke.sh [path/to/release/banyue]
#
# BANYUE_SMOKE_DEBOOTSTRAP=1 makes debian:bookworm-slim locally with debootstrap (from
# Debian's packages, trimmed as the official slim image is) when no image registry can
# be reached. Storage is vfs and isolation chroot, which work inside an unprivileged VM or
# container; `podman run` is not used, since it needs cgroups and rlimits a sandbox may
# not allow. Not part of .ci/run: it needs a package mirror and a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
bin="${1:-target/docker-check/release/banyue}"
[[ -x "$bin" ]] || { echo "container-smoke: no banyue binary at $bin (run scripts/check-docker-build.sh)"; exit 1; }
bh=(buildah --storage-driver=vfs)
base=docker.io/library/debian:bookworm-slim
image=localhost/banyue-smoke
work="$(mktemp -d)"
ctr=""
desk_pid=""
feed_pid=""
descendants() { local c; for c in $(ps -o pid= --ppid "$1"); do echo "$c"; descendants "$c"; done; }
stop_desk() {
  local p
  for p in $(descendants "$desk_pid"); do
    [[ "$(ps -o comm= -p "$p")" == banyue ]] && kill -TERM "$p"
  done
  for p in $(ps -o pid= --ppid $$); do # the `sleep` feeding the desk's stdin
    [[ "$(ps -o comm= -p "$p")" == sleep ]] && kill "$p"
  done
  return 0
}
cleanup() {
  [[ -n "$desk_pid" ]] && stop_desk 2>/dev/null || true
  [[ -n "$feed_pid" ]] && kill "$feed_pid" 2>/dev/null || true
  [[ -n "$ctr" ]] && "${bh[@]}" rm "$ctr" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

if ! "${bh[@]}" inspect --type image "$base" >/dev/null 2>&1; then
  if [[ "${BANYUE_SMOKE_DEBOOTSTRAP:-}" == 1 ]]; then
    echo "+ debootstrap a bookworm base (slim-like)"
    root="$work/rootfs"
    debootstrap --variant=minbase bookworm "$root" >"$work/debootstrap.log"
    rm -rf "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/usr/share/man/* \
      "$root"/usr/share/info/* "$root"/var/log/*.log
    find "$root/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete
    find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
    printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
      'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' \
      'path-exclude /usr/share/locale/*' >"$root/etc/dpkg/dpkg.cfg.d/docker"
    # As in Debian's official images: apt keeps no package caches in image layers.
    clean='rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true'
    printf '%s\n' "DPkg::Post-Invoke { \"$clean\"; };" "APT::Update::Post-Invoke { \"$clean\"; };" \
      'Dir::Cache::pkgcache "";' 'Dir::Cache::srcpkgcache "";' >"$root/etc/apt/apt.conf.d/docker-clean"
    c="$("${bh[@]}" from scratch)"
    tar -C "$root" --numeric-owner -c . | tar -C "$("${bh[@]}" mount "$c")" --numeric-owner -x
    "${bh[@]}" config --cmd bash "$c"
    "${bh[@]}" commit --quiet "$c" "$base" >/dev/null
    "${bh[@]}" rm "$c" >/dev/null
    rm -rf "$root"
  else
    echo "+ pull $base"
    "${bh[@]}" pull --quiet "$base" >/dev/null
  fi
fi

echo "+ build the runtime stage, the build stage replaced by $bin"
ctx="$work/context"
mkdir -p "$ctx/config"
cp "$bin" "$ctx/banyue"
cp config/banyue.toml "$ctx/config/"
python3 - Dockerfile "$ctx/Containerfile" <<'PY'
import re, sys
src = open(sys.argv[1]).read()
# Drop every stage but the last; put the prebuilt binary where the build stage puts it.
stages = re.split(r"(?m)^(?=FROM )", src)
last = stages[-1]
name = re.search(r"COPY --from=(\S+)", last).group(1)
out = re.search(r"COPY --from=\S+ (\S+)", last).group(1)
open(sys.argv[2], "w").write(f"FROM scratch AS {name}\nCOPY banyue {out}\n\n{last}")
PY
"${bh[@]}" build --quiet --format docker --isolation chroot --pull=never -t "$image" "$ctx" >/dev/null
echo "runtime image: $("${bh[@]}" images --format '{{.Size}}' "$image"), on $base of $("${bh[@]}" images --format '{{.Size}}' "$base")"

# One volume, a config with one feed served on the host's loopback.
vol="$work/volume"
etc="$work/etc"
mkdir -p "$vol" "$etc" "$work/www"
chown 10001:10001 "$vol"
cp samples/news/technews.rss.xml "$work/www/feed.xml"
read -r port desk_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$work/www" >/dev/null 2>&1 &
feed_pid=$!
cat >"$etc/banyue.toml" <<EOF
[settings]
timezone = "Asia/Shanghai"
base_url = "http://127.0.0.1:$desk_port/feeds/"
tag_authority = "smoke.example.org"

[[source]]
id = "technews"
name = "Tech news"
url = "http://127.0.0.1:$port/feed.xml"
kind = "feed"
EOF

ctr="$("${bh[@]}" from --pull=never "$image")"
in_image() {
  "${bh[@]}" run --isolation chroot --user 10001:10001 \
    -v "$vol:/var/lib/banyue" -v "$etc:/etc/banyue:ro" "$@"
}

echo "+ the job: banyue run"
in_image "$ctr" -- /usr/local/bin/banyue run
test -s "$vol/data/banyue.db"
ls "$vol/feeds" "$vol/drafts" | sed 's/^/  /'

echo "+ the desk: banyue serve on the same volume"
# stdin is a pipe: buildah 1.28's chroot `run` with stdin on /dev/null (as a background
# job gets) skips the -v bind mounts.
sleep 600 | in_image --env "BANYUE_LISTEN=127.0.0.1:$desk_port" --env BANYUE_RUSAGE=1 "$ctr" \
  -- /usr/local/bin/banyue serve >"$work/desk.log" 2>&1 &
desk_pid=$!
for _ in $(seq 50); do
  python3 - "$desk_port" 2>/dev/null <<'PY' && break
import sys, urllib.request
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/healthz", timeout=1)
PY
  sleep 0.2
done
python3 - "$desk_port" <<'PY'
import sys, urllib.request
base = f"http://127.0.0.1:{sys.argv[1]}"
r = urllib.request.urlopen(base + "/healthz", timeout=5)
print(f"  GET /healthz: {r.status} {r.read().decode().strip()}")
r = urllib.request.urlopen(base + "/feeds/feeds.opml", timeout=5)
print(f"  GET /feeds/feeds.opml: {r.status}, {len(r.read())} bytes")
PY
# The compose file's health check, as the image runs it (bash's /dev/tcp, no curl).
in_image "$ctr" -- bash -c "exec 3<>/dev/tcp/127.0.0.1/$desk_port \
  && printf 'GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3 \
  && head -n 1 <&3 | grep -q ' 200 '" && echo "  compose health check: healthy"
# SIGTERM to banyue itself (a descendant of the buildah process), as `docker stop` does.
stop_desk
rc=0
wait "$desk_pid" || rc=$?
grep -q '^rusage:' "$work/desk.log" && echo "  SIGTERM: the desk shut down (buildah exit $rc)"
desk_pid=""
sed 's/^/  desk: /' "$work/desk.log"
echo "container-smoke: the runtime stage ran as a job and as a desk on one volume"

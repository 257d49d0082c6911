#!/usr/bin/env bash
# Build the REAL Frontbase images on a machine without Docker Hub or PyPI
# (`npm run images:frontbase`): backend, edge and frontend from the Frontbase source
# (default ../shared/frontbase/src next to this repo) on a local Debian trixie base, with
# Debian's Python packages and Node, npm packages from the npm registry. Recipe and reasons:
# ../shared/FIELD-NOTES.md section 1; names: test/images/frontbase.ts.
#
#   bash images/frontbase/build.sh                 build what is out of date
#   bash images/frontbase/build.sh backend edge    only these (backend, edge, frontend)
#   bash images/frontbase/build.sh base            only the base, when it is missing
#   FORCE=1 bash images/frontbase/build.sh         rebuild the base and the three images (cold)
#   FORCE=1 bash images/frontbase/build.sh edge    rebuild edge without layer cache (same base)
#   FORCE=1 bash images/frontbase/build.sh base    a new base only (everything on it is then out of date)
#
# The base is the one Debian trixie base of every local image: the test stand-ins
# (test/images/build.sh, `npm run images:test`) are built on it too.
#
# Cached by content: every image gets a tag `<repo>:<hash12>`, the hash of its source
# subtree, its recipe (this script, its Dockerfile, the base's apt/dpkg config) and the base
# image's id. When that tag exists the build is skipped ("up to date"); either way the stable
# tag from frontbase.ts (`<repo>:local`) is pointed at it.
#
# Those content tags never move, so they make a release (docs/releases.md): at the end the
# script prints the lines to commit in Pulumi.yaml, a release named `real-<hash of the three>`.
# Content tags that a release in Pulumi.yaml names are kept when newer builds replace them, so
# that rolling back to that release finds its images.
#
# Env: FRONTBASE_SRC (the Frontbase source dir), FORCE=1, DEBIAN_MIRROR
# (default http://deb.debian.org/debian), FRONTBASE_IMAGES_LOG_DIR (build logs; default a
# private directory made for the run, mode 0700, removed when it succeeds), BUILD_CA_CERTS (a PEM file the npm builds should trust; default:
# the host's /usr/local/share/ca-certificates/*.crt, e.g. a TLS-inspecting proxy's CA).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
NAMES="$REPO/test/images/frontbase.ts"
BASE_CONF="$REPO/test/images/base"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SUITE=trixie
FORCE="${FORCE:-0}"
# Not a fixed path in /tmp: as root that would follow whatever link another user put there.
LOG_DIR="${FRONTBASE_IMAGES_LOG_DIR:-}"
# The classic builder: Debian's docker.io ships no buildx. Multi-stage builds work with it.
export DOCKER_BUILDKIT=0

say() { echo "[images:frontbase] $*"; }
die() { echo "[images:frontbase] ERROR: $*" >&2; exit 1; }
now() { date +%s; }

# --- inputs ------------------------------------------------------------------------------
BASE="$(sed -n 's/^export const BASE_IMAGE = "\([^"]*\)";.*/\1/p' "$REPO/test/images/images.ts")"
stable_tag() { sed -n "s/^ *$1: \"\\([^\"]*\\)\",\\{0,1\\}\$/\\1/p" "$NAMES" | head -n 1; }
[ -n "$BASE" ] || die "could not read BASE_IMAGE from $REPO/test/images/images.ts"

ALL=(backend edge frontend)
BASE_NAMED=0
WANTED=()
if [ "$#" -gt 0 ]; then
    for want in "$@"; do
        case " base ${ALL[*]} " in *" $want "*) ;; *) die "unknown image '$want' (known: base ${ALL[*]})" ;; esac
        if [ "$want" = base ]; then BASE_NAMED=1; else WANTED+=("$want"); fi
    done
else
    WANTED=("${ALL[@]}")
fi

# The Frontbase source (not needed for the base alone).
SRC="${FRONTBASE_SRC:-$REPO/../shared/frontbase/src}"
if [ "${#WANTED[@]}" -gt 0 ]; then
    [ -d "$SRC" ] || die "Frontbase source not found at $SRC (set FRONTBASE_SRC)"
    SRC="$(cd "$SRC" && pwd)"
    for f in fastapi-backend/requirements.txt fastapi-backend/docker_entrypoint.sh \
        services/edge/package-lock.json package-lock.json nginx.conf; do
        [ -f "$SRC/$f" ] || die "$SRC does not look like the Frontbase source: $f is missing"
    done
fi

# Per image: build context (inside $SRC) and the source paths its build reads (for the hash).
context_of() {
    case "$1" in
        backend) echo "$SRC/fastapi-backend" ;;
        edge) echo "$SRC/services/edge" ;;
        frontend) echo "$SRC" ;;
    esac
}
# Relative to the context. The backend copies its whole directory; the edge and the frontend
# copy only these (see their Dockerfiles), so unrelated files do not invalidate them.
sources_of() {
    case "$1" in
        backend) echo "." ;;
        edge) echo "package.json package-lock.json src public tsconfig.json vite.config.ts drizzle.config.ts" ;;
        frontend) echo "package.json package-lock.json src public index.html vite.config.ts tsconfig.json tsconfig.app.json tsconfig.node.json tailwind.config.ts postcss.config.js components.json nginx.conf" ;;
    esac
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }
image_id() { docker image inspect --format '{{.Id}}' "$1"; }
size_of() { docker image inspect --format '{{.Size}}' "$1" | awk '{ printf "%d MB", $1 / 1000000 }'; }

# sha256 over file names and contents (sorted, so the order of the file system does not
# matter), then over the recipe files and the base image id.
content_hash() {
    local name="$1" ctx paths
    ctx="$(context_of "$name")"
    # shellcheck disable=SC2207 # word splitting of a fixed list is intended
    paths=($(sources_of "$name"))
    {
        (cd "$ctx" && find "${paths[@]}" -type f \
            ! -path '*/node_modules/*' ! -path '*/__pycache__/*' ! -name '*.pyc' -print0 \
            | LC_ALL=C sort -z | xargs -0 sha256sum)
        sha256sum "$HERE/build.sh" "$HERE/$name.Dockerfile" "$BASE_CONF/apt.conf" "$BASE_CONF/dpkg.cfg" \
            | sed "s|$REPO/||"
        image_id "$BASE"
    } | sha256sum | cut -c1-12
}

# Locally added CA certificates (Debian's place for them), e.g. a TLS-inspecting egress
# proxy's: the npm builds need them to reach the registry. BUILD_CA_CERTS=<pem file> instead.
EXTRA_CA=""
if [ -n "${BUILD_CA_CERTS:-}" ]; then
    EXTRA_CA="$(cat "$BUILD_CA_CERTS")" || die "cannot read BUILD_CA_CERTS=$BUILD_CA_CERTS"
elif compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    EXTRA_CA="$(cat /usr/local/share/ca-certificates/*.crt)"
fi

docker info >/dev/null 2>&1 || die "no Docker Engine answers; run 'npm run docker:start' first"
LOG_PRIVATE=0
if [ -n "$LOG_DIR" ]; then
    mkdir -p "$LOG_DIR"
else
    LOG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/frontbase-images.XXXXXX")"
    LOG_PRIVATE=1
fi
ROOTFS="" # the base's root file system while build_base makes it
# A private log directory is kept, with its path in the error, when a step fails; gone after a clean run.
cleanup() {
    local rc=$?
    if [ -n "$ROOTFS" ]; then rm -rf "$ROOTFS"; fi
    if [ "$LOG_PRIVATE" = 1 ] && [ "$rc" -eq 0 ]; then rm -rf "$LOG_DIR"; fi
}
trap cleanup EXIT

# While a build runs, print a line every 30 s with the elapsed time and the builder's step.
run_with_progress() { # label, log file, command...
    local label="$1" log="$2" start pid step rc
    shift 2
    start="$(now)"
    "$@" >"$log" 2>&1 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        for _ in $(seq 30); do sleep 1; kill -0 "$pid" 2>/dev/null || break; done
        if kill -0 "$pid" 2>/dev/null; then
            step="$(grep -o '^Step [0-9]*/[0-9]*' "$log" | tail -n 1 || true)"
            say "$label: $(($(now) - start))s${step:+ ($step)}"
        fi
    done
    rc=0
    wait "$pid" || rc=$?
    return "$rc"
}

# --- base: debootstrap minbase trixie, imported --------------------------------------------
build_base() {
    [ "$(id -u)" -eq 0 ] || die "building the base image needs root (debootstrap)"
    if ! command -v debootstrap >/dev/null 2>&1 || [ ! -e /usr/share/debootstrap/scripts/$SUITE ]; then
        say "installing debootstrap"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq || say "warning: apt-get update reported errors; trying the install anyway"
        apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 debootstrap >"$LOG_DIR/apt.log" 2>&1 \
            || { tail -n 30 "$LOG_DIR/apt.log" >&2; die "apt-get install debootstrap failed"; }
        [ -e /usr/share/debootstrap/scripts/$SUITE ] || die "this debootstrap does not know $SUITE"
    fi
    local dir
    dir="$(mktemp -d /var/tmp/frontbase-real-rootfs.XXXXXX)"
    ROOTFS="$dir"
    run_with_progress "base: debootstrap --variant=minbase $SUITE" "$LOG_DIR/base.log" \
        debootstrap --variant=minbase "$SUITE" "$dir" "$MIRROR" \
        || { tail -n 20 "$LOG_DIR/base.log" >&2; die "debootstrap failed (log: $LOG_DIR/base.log)"; }
    # Updates and security fixes too (debootstrap writes only the release itself). The
    # security archive lives on the same host (deb.debian.org/debian-security).
    cat >"$dir/etc/apt/sources.list" <<SOURCES
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb ${MIRROR%/debian}/debian-security $SUITE-security main
SOURCES
    rm -f "$dir/etc/apt/sources.list.d/"*.sources
    # Container conventions, as in test/images/build.sh: no services started by package
    # scripts, no recommends, no docs/man/locales, no cached lists or .debs.
    printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
    chmod 755 "$dir/usr/sbin/policy-rc.d"
    cp "$BASE_CONF/apt.conf" "$dir/etc/apt/apt.conf.d/90frontbase"
    cp "$BASE_CONF/dpkg.cfg" "$dir/etc/dpkg/dpkg.cfg.d/90frontbase"
    # As Debian's official images (docker-apt-speedup): no fsync per file while unpacking. A
    # crash mid-build only loses that layer; the Python and Node layers unpack far faster.
    echo force-unsafe-io >"$dir/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
    # Bring the release up to date with those updates (debootstrap installed trixie as released).
    {
        chroot "$dir" apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive chroot "$dir" apt-get -y -qq upgrade
    } >>"$LOG_DIR/base.log" 2>&1 || { tail -n 20 "$LOG_DIR/base.log" >&2; die "apt-get upgrade in the new base failed"; }
    rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb \
        "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/info/*
    find "$dir/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
    tar -C "$dir" --numeric-owner -c . | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'CMD ["bash"]' \
        --change 'LABEL frontbase.real=base' \
        - "$BASE" >/dev/null
    rm -rf "$dir"
    ROOTFS=""
}

total_start="$(now)"
summary=()

# FORCE=1 rebuilds the base too, unless images were named: then only those, without the
# builder's layer cache (a new base already invalidates every layer above it). Named `base`,
# FORCE=1 rebuilds the base.
no_cache=()
base_rebuilt=0
if { [ "$FORCE" = 1 ] && { [ "$#" -eq 0 ] || [ "$BASE_NAMED" = 1 ]; }; } || ! image_exists "$BASE"; then
    base_rebuilt=1
    t="$(now)"
    say "base: building $BASE (debootstrap $SUITE from $MIRROR)"
    build_base
    summary+=("$BASE: built in $(($(now) - t))s ($(size_of "$BASE"))")
else
    if [ "$FORCE" = 1 ]; then no_cache=(--no-cache); fi
    summary+=("$BASE: exists, reused")
fi
say "${summary[-1]}"

for name in "${WANTED[@]+"${WANTED[@]}"}"; do
    stable="$(stable_tag "$name")"
    [ -n "$stable" ] || die "no REAL_IMAGES.$name in $NAMES"
    repo="${stable%:*}"
    hash="$(content_hash "$name")"
    tagged="$repo:$hash"
    if [ "$FORCE" != 1 ] && image_exists "$tagged"; then
        docker tag "$tagged" "$stable"
        summary+=("$name: up to date ($tagged = $stable)")
        say "${summary[-1]}"
        continue
    fi
    t="$(now)"
    log="$LOG_DIR/$name.log"
    say "$name: building $tagged from $(context_of "$name") (log: $log)"
    extra=()
    # npm in the builder stages must trust a TLS-inspecting proxy's CA if this host does.
    [ "$name" != backend ] && [ -n "$EXTRA_CA" ] && extra+=(--build-arg "EXTRA_CA_CERTS=$EXTRA_CA")
    # Relative API URLs: the frontend's own nginx routes /api to each tenant's backend, so
    # one image serves every tenant.
    [ "$name" = frontend ] && extra+=(--build-arg VITE_API_URL=)
    # --force-rm: the classic builder otherwise keeps the container of a failed step.
    if ! run_with_progress "$name: building" "$log" \
        docker build --force-rm "${no_cache[@]}" --build-arg "BASE=$BASE" "${extra[@]}" \
        --label "frontbase.real=$name" --label "frontbase.real.hash=$hash" \
        -f "$HERE/$name.Dockerfile" -t "$tagged" -t "$stable" "$(context_of "$name")"; then
        tail -n 40 "$log" >&2
        die "building $name failed (full log: $log)"
    fi
    summary+=("$name: built $tagged = $stable in $(($(now) - t))s ($(size_of "$stable"))")
    say "${summary[-1]}"
    # Older content tags of this image (built here: labelled frontbase.real=<name>) would pile
    # up with every source change. Untag them; one still used by a container stays.
    docker image ls --filter "label=frontbase.real=$name" --format '{{.Repository}}:{{.Tag}}' \
        | grep "^$repo:" | grep -v -e ":$hash\$" -e ":local\$" \
        | while read -r old; do grep -qF "$old" "$REPO/Pulumi.yaml" || echo "$old"; done \
        | xargs -r docker rmi >/dev/null 2>&1 || true
done

# A new base leaves the previous one and everything built on it behind, untagged: the old
# images and the builder stages (800 MB+). Remove those that carry our label and predate this
# run (in use by a container: kept). Without a new base, untagged builder stages are the layer
# cache of the next build (npm ci is skipped while package-lock.json is unchanged): kept.
if [ "$base_rebuilt" = 1 ]; then
    for _ in 1 2 3; do  # children first, then their parents become dangling
        docker image prune -f --filter "label=frontbase.real" --filter "until=$(date -u -d "@$total_start" +%Y-%m-%dT%H:%M:%SZ)" >/dev/null 2>&1 || true
    done
fi

say "done in $(($(now) - total_start))s:"
for line in "${summary[@]}"; do say "  $line"; done

# The release these images make: each image's content tag, read from its label (an image not
# built in this run keeps the tag of its last build).
release=()
for name in "${ALL[@]}"; do
    stable="$(stable_tag "$name")"
    hash="$(docker image inspect --format '{{index .Config.Labels "frontbase.real.hash"}}' "$stable" 2>/dev/null || true)"
    [ -n "$hash" ] || { say "no release to print: $stable is not built (npm run images:frontbase builds all three)"; exit 0; }
    release+=("$name" "${stable%:*}:$hash")
done
id="real-$(printf '%s\n' "${release[@]}" | sha256sum | cut -c1-12)"
say "release $id: to roll it out, commit these lines under config: in Pulumi.yaml (an entry of an existing frontbase:releases goes under its value:; docs/releases.md):"
cat <<RELEASE
  frontbase:releases:
    value:
      $id:
        ${release[0]}: ${release[1]}
        ${release[2]}: ${release[3]}
        ${release[4]}: ${release[5]}
  frontbase:release: $id
RELEASE

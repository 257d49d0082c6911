#!/usr/bin/env bash
# Build the local stand-in images for tests (`npm run images:test`). No registry is reachable,
# so the base is bootstrapped from Debian's mirror and `docker import`ed; every stand-in is a
# Dockerfile in test/images/<name>/ built FROM it. Names come from test/images/images.ts.
#
#   bash test/images/build.sh            build what is missing
#   bash test/images/build.sh redis      only these stand-ins (by directory name)
#   FORCE=1 bash test/images/build.sh    rebuild the base and every stand-in
#   FORCE=1 bash test/images/build.sh edge   rebuild that stand-in (on the existing base)
#
# Without arguments it then builds the REAL Frontbase images too (images/frontbase/build.sh,
# `npm run images:frontbase`; cached by content, FORCE=1 rebuilds them as well).
#
# Env: FORCE=1, DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SUITE=bookworm
FORCE="${FORCE:-0}"
FORCE_REQUESTED="$FORCE"   # FORCE changes below when the base is rebuilt; this does not
# The classic builder: Debian's docker.io ships no buildx, and a newer CLI without the
# plugin would refuse BuildKit.
export DOCKER_BUILDKIT=0

say() { echo "[images] $*"; }
die() { echo "[images] ERROR: $*" >&2; exit 1; }
now() { date +%s; }

# --- names from images.ts (the one source of truth the tests import) ----------------------
BASE="$(sed -n 's/^export const TEST_BASE_IMAGE = "\([^"]*\)";.*/\1/p' "$HERE/images.ts")"
mapfile -t ALL_IMAGES < <(sed -n 's/^ *[A-Za-z]*: "\(frontbase-test\/[^"]*\)",\{0,1\}$/\1/p' "$HERE/images.ts")
ALL_IMAGES+=("$(sed -n 's/^export const TEST_PROXY_IMAGE = "\([^"]*\)";.*/\1/p' "$HERE/images.ts")")   # the proxy's caddy
[ -n "$BASE" ] && [ "${#ALL_IMAGES[@]}" -gt 0 ] || die "could not read image names from $HERE/images.ts"

# frontbase-test/redis-http:stand-in -> redis-http (its directory here).
dir_of() { local repo="${1%%:*}"; echo "${repo#*/}"; }

# Build order: what other tests need first (redis, postgres), then the rest. Images in
# images.ts but not listed here are built last.
ORDER=(redis postgres redis-http backend edge frontend)
ordered=()
for name in "${ORDER[@]}"; do
    for img in "${ALL_IMAGES[@]}"; do [ "$(dir_of "$img")" = "$name" ] && ordered+=("$img"); done
done
for img in "${ALL_IMAGES[@]}"; do
    case " ${ORDER[*]} " in *" $(dir_of "$img") "*) ;; *) ordered+=("$img") ;; esac
done

# Optional arguments select stand-ins by directory name.
if [ "$#" -gt 0 ]; then
    selected=()
    for want in "$@"; do
        found=""
        for img in "${ordered[@]}"; do [ "$(dir_of "$img")" = "$want" ] && selected+=("$img") && found=1; done
        [ -n "$found" ] || die "unknown stand-in '$want' (known: $(for i in "${ordered[@]}"; do printf '%s ' "$(dir_of "$i")"; done))"
    done
    ordered=("${selected[@]}")
fi

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

docker info >/dev/null 2>&1 || die "no Docker Engine answers; run 'npm run docker:start' first"

# --- base: debootstrap minbase, imported -------------------------------------------------
build_base() {
    # debootstrap needs root: it chroots and creates device nodes.
    [ "$(id -u)" -eq 0 ] || die "building the base image needs root (debootstrap)"
    if ! command -v debootstrap >/dev/null 2>&1; then
        say "installing debootstrap"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq || say "warning: apt-get update reported errors; trying the install anyway"
        apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 debootstrap >/tmp/frontbase-apt.log 2>&1 \
            || { tail -n 30 /tmp/frontbase-apt.log >&2; die "apt-get install debootstrap failed"; }
    fi
    local dir
    dir="$(mktemp -d /var/tmp/frontbase-rootfs.XXXXXX)"
    # shellcheck disable=SC2064 # expand $dir now: it is local
    trap "rm -rf '$dir'" EXIT
    say "debootstrap --variant=minbase $SUITE from $MIRROR"
    debootstrap --variant=minbase "$SUITE" "$dir" "$MIRROR" >"$dir.log" 2>&1 \
        || { tail -n 20 "$dir.log" >&2; rm -f "$dir.log"; die "debootstrap failed"; }
    rm -f "$dir.log"
    # Container conventions, as Debian's official images do: no services started by package
    # scripts, no recommends, no docs/man/locales, no cached lists or .debs.
    printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
    chmod 755 "$dir/usr/sbin/policy-rc.d"
    cp "$HERE/base/apt.conf" "$dir/etc/apt/apt.conf.d/90frontbase-test"
    cp "$HERE/base/dpkg.cfg" "$dir/etc/dpkg/dpkg.cfg.d/90frontbase-test"
    rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb \
        "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/info/*
    find "$dir/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
    say "importing as $BASE"
    tar -C "$dir" --numeric-owner -c . | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'CMD ["bash"]' \
        --change 'LABEL frontbase.stand-in=base' \
        - "$BASE" >/dev/null
    rm -rf "$dir"
    trap - EXIT
}

size_of() { docker image inspect --format '{{.Size}}' "$1" | awk '{ printf "%d MB", $1 / 1000000 }'; }

total_start="$(now)"
summary=()

# FORCE=1 with names rebuilds those stand-ins only; the base only when it is missing.
if { [ "$FORCE" = 1 ] && [ "$#" -eq 0 ]; } || ! image_exists "$BASE"; then
    t="$(now)"
    build_base
    summary+=("$BASE: built in $(($(now) - t))s ($(size_of "$BASE"))")
    say "${summary[-1]}"
    # A new base invalidates every stand-in built on the old one.
    FORCE=1
else
    summary+=("$BASE: exists, skipped")
    say "${summary[-1]}"
fi

# A stand-in's recipe (its directory's files), hashed: an image built from another recipe is
# rebuilt, so a machine that keeps its images (CI reuses this one's) never tests a stale one.
recipe_of() { (cd "$HERE/$1" && find . -type f | LC_ALL=C sort | xargs sha256sum) | sha256sum | cut -c1-16; }
recipe_built() { docker image inspect --format '{{index .Config.Labels "frontbase.recipe"}}' "$1" 2>/dev/null || true; }

for img in "${ordered[@]}"; do
    name="$(dir_of "$img")"
    [ -f "$HERE/$name/Dockerfile" ] || die "no $HERE/$name/Dockerfile for $img"
    recipe="$(recipe_of "$name")"
    if [ "$FORCE" != 1 ] && [ "$(recipe_built "$img")" = "$recipe" ]; then
        summary+=("$img: up to date (recipe $recipe), skipped")
        say "${summary[-1]}"
        continue
    fi
    t="$(now)"
    say "building $img from test/images/$name"
    log="$(mktemp /tmp/frontbase-image-build.XXXXXX)"
    if ! docker build --build-arg "BASE=$BASE" --label "frontbase.stand-in=$name" --label "frontbase.recipe=$recipe" \
        -t "$img" "$HERE/$name" >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        rm -f "$log"
        die "building $img failed"
    fi
    rm -f "$log"
    summary+=("$img: built in $(($(now) - t))s ($(size_of "$img"))")
    say "${summary[-1]}"
done

say "done in $(($(now) - total_start))s:"
for line in "${summary[@]}"; do say "  $line"; done
# Dangling layers from rebuilt stand-ins (only ours: labelled frontbase.stand-in).
docker image prune -f --filter label=frontbase.stand-in >/dev/null 2>&1 || true

# The real Frontbase images (backend, edge, frontend) the integration suite deploys; only
# when no stand-ins were selected by name.
if [ "$#" -eq 0 ]; then
    FORCE="$FORCE_REQUESTED" bash "$HERE/../../images/frontbase/build.sh"
fi

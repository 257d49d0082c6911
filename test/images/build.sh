#!/usr/bin/env bash
# Build every local image the integration tests need (`npm run images:test`). No registry is
# reachable: the one Debian trixie base is bootstrapped from Debian's mirror by
# images/frontbase/build.sh, which also builds the REAL Frontbase backend, edge and frontend
# on it; then every stand-in here (redis, postgres, redis-http: a Dockerfile in
# test/images/<name>/) is built FROM the same base. Names come from test/images/images.ts.
#
#   bash test/images/build.sh            build what is out of date (base, real images, stand-ins)
#   bash test/images/build.sh redis      only these stand-ins (by directory name), on the base
#   FORCE=1 bash test/images/build.sh    rebuild the base, the real images and every stand-in
#   FORCE=1 bash test/images/build.sh redis   rebuild that stand-in (on the existing base)
#
# Env: FORCE=1, DEBIAN_MIRROR, FRONTBASE_SRC and the rest of images/frontbase/build.sh's.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
REAL_BUILD="$HERE/../../images/frontbase/build.sh"
FORCE="${FORCE:-0}"
# The classic builder: Debian's docker.io ships no buildx, and a newer CLI without the
# plugin would refuse BuildKit.
export DOCKER_BUILDKIT=0

say() { echo "[images] $*"; }
die() { echo "[images] ERROR: $*" >&2; exit 1; }
now() { date +%s; }

# --- names from images.ts (the one source of truth the tests import) ----------------------
BASE="$(sed -n 's/^export const BASE_IMAGE = "\([^"]*\)";.*/\1/p' "$HERE/images.ts")"
mapfile -t ALL_IMAGES < <(sed -n 's/^ *[A-Za-z]*: "\(frontbase-test\/[^"]*\)",\{0,1\}$/\1/p' "$HERE/images.ts")
ALL_IMAGES+=("$(sed -n 's/^export const TEST_PROXY_IMAGE = "\([^"]*\)";.*/\1/p' "$HERE/images.ts")")   # the proxy's caddy
[ -n "$BASE" ] && [ "${#ALL_IMAGES[@]}" -gt 0 ] || die "could not read image names from $HERE/images.ts"

# frontbase-test/redis-http:stand-in -> redis-http (its directory here).
dir_of() { local repo="${1%%:*}"; echo "${repo#*/}"; }

# Build order: what other tests need first (redis, postgres), then the rest. Images in
# images.ts but not listed here are built last.
ORDER=(redis postgres redis-http)
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

docker info >/dev/null 2>&1 || die "no Docker Engine answers; run 'npm run docker:start' first"

total_start="$(now)"

# --- the base, and the real Frontbase images on it ----------------------------------------
# Without names: everything (FORCE=1: a new base, the real images without cache). With names:
# only make sure the base exists; FORCE=1 then means those stand-ins, not a new base.
if [ "$#" -eq 0 ]; then
    FORCE="$FORCE" bash "$REAL_BUILD"
else
    FORCE=0 bash "$REAL_BUILD" base
fi
docker image inspect "$BASE" >/dev/null 2>&1 || die "the base image $BASE is missing after images/frontbase/build.sh"

size_of() { docker image inspect --format '{{.Size}}' "$1" | awk '{ printf "%d MB", $1 / 1000000 }'; }

# A stand-in's recipe: its directory's files and the base image's id, hashed. An image built
# from another recipe or on another base is rebuilt, so a machine that keeps its images (CI
# reuses this one's) never tests a stale one, and a new base (FORCE=1) rebuilds them all.
base_id="$(docker image inspect --format '{{.Id}}' "$BASE")"
recipe_of() { { (cd "$HERE/$1" && find . -type f | LC_ALL=C sort | xargs sha256sum); echo "$base_id"; } | sha256sum | cut -c1-16; }
recipe_built() { docker image inspect --format '{{index .Config.Labels "frontbase.recipe"}}' "$1" 2>/dev/null || true; }

summary=()
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
    say "building $img from test/images/$name on $BASE"
    log="$(mktemp /tmp/frontbase-image-build.XXXXXX)"
    if ! docker build --force-rm --build-arg "BASE=$BASE" --label "frontbase.stand-in=$name" --label "frontbase.recipe=$recipe" \
        -t "$img" "$HERE/$name" >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        rm -f "$log"
        die "building $img failed"
    fi
    rm -f "$log"
    summary+=("$img: built in $(($(now) - t))s ($(size_of "$img"))")
    say "${summary[-1]}"
done

say "done in $(($(now) - total_start))s (the base and the real images included); stand-ins:"
for line in "${summary[@]}"; do say "  $line"; done
# Dangling images of ours: rebuilt stand-ins (labelled frontbase.stand-in) and a replaced base
# once nothing is built on it any more (labelled frontbase.real=base; the current one is tagged).
docker image prune -f --filter label=frontbase.stand-in >/dev/null 2>&1 || true
docker image prune -f --filter label=frontbase.real=base >/dev/null 2>&1 || true

#!/usr/bin/env bash
# `bash scripts/build-frontbase-images.sh [<frontbase-checkout>] [tag]`
#
# Frontbase publishes no images, so each Docker host builds them once, with upstream's own
# Dockerfiles; every tenant on the host then shares them (the defaults of `frontbase:images`).
# Each image is tagged twice: `:<commit>` (the checkout's first 12 hex digits), which never moves
# and so makes a release, and `:<tag>` (default `latest`, for stack files from before releases).
# At the end it prints the release to commit in Pulumi.yaml (docs/releases.md); a checkout with
# uncommitted changes makes none (its `-dirty` tag would name different images on each build).
#
# Without a checkout (or with FRONTBASE_SRC unset), it fetches upstream at the pinned commit
# with git into ~/.cache/frontbase-tenants. The frontend is built with a relative API path: its
# own nginx routes /api to each tenant's backend, so one frontend image serves every tenant.
#
# Needs a normal host: Docker Hub (python, node, nginx base images) and PyPI.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

# The last upstream commit with the six-service layout this project deploys (../shared/frontbase/README.md).
UPSTREAM_REPO="${FRONTBASE_REPO:-https://github.com/drmoyassine/frontbase-dbsync.git}"
UPSTREAM_COMMIT="3d40eed3237251ef16c84d823c2b42cbafff7df6"

src=${1:-${FRONTBASE_SRC:-}}
tag=${2:-latest}
say() { echo "[frontbase-images] $*"; }
die() { echo "[frontbase-images] ERROR: $*" >&2; exit 2; }

# Build logs go to a private directory made for this run (mode 0700, under a name nobody could
# have planted a link at), removed when the build succeeds, kept and named when it fails.
logs="$(mktemp -d "${TMPDIR:-/tmp}/frontbase-images.XXXXXX")"
keep_logs=0
fetching=""
cleanup() {
    if [[ -n "$fetching" ]]; then rm -rf "$fetching"; fi
    if [[ "$keep_logs" != 1 ]]; then rm -rf "$logs"; fi
}
trap cleanup EXIT

# Without upstream: the same images from a checkout at hand, or the ones this project builds
# without Docker Hub or PyPI, which a tenant then names in its stack file.
fetch_failed() {
    cat >&2 <<EOF
[frontbase-images] ERROR: could not fetch Frontbase $UPSTREAM_COMMIT from $UPSTREAM_REPO
  (git: $1). Nothing was kept in $src. Without that repository, either
  - build from a Frontbase checkout of that commit that you have (or FRONTBASE_SRC):
      bash scripts/build-frontbase-images.sh /path/to/frontbase
      FRONTBASE_SRC=/path/to/frontbase npm run deploy -- <tenant>
    Tenants use the images it tags (frontbase-{backend,edge,frontend}:latest) by default; or
  - on a host without Docker Hub or PyPI, build them on a local Debian base:
      FRONTBASE_SRC=/path/to/frontbase npm run images:frontbase
    which tags frontbase-real/{backend,edge,frontend}:local. A tenant uses them once its stack
    file names them (likewise images.edge and images.frontend), then npm run deploy -- <tenant>:
      pulumi config set --path frontbase:images.backend frontbase-real/backend:local --stack <tenant>
EOF
    exit 2
}

if [[ -z "$src" ]]; then
    command -v git >/dev/null || die "git is needed to fetch Frontbase (or pass a checkout: $0 <path>)"
    cache="${XDG_CACHE_HOME:-$HOME/.cache}/frontbase-tenants"
    src="$cache/frontbase-${UPSTREAM_COMMIT:0:12}"
    # The cached checkout counts only at the pinned commit: a failed fetch of an earlier version
    # of this script left an empty repository there. Fetched beside it, moved in when complete.
    if [[ "$(git --git-dir="$src/.git" rev-parse -q --verify HEAD 2>/dev/null)" != "$UPSTREAM_COMMIT" ]]; then
        say "fetching Frontbase $UPSTREAM_COMMIT from $UPSTREAM_REPO into $src"
        rm -rf "$src"
        mkdir -p "$cache"
        fetching="$(mktemp -d "$cache/.fetch.XXXXXX")"
        if ! out=$(git -C "$fetching" init -q 2>&1 &&
            git -C "$fetching" fetch -q --depth 1 "$UPSTREAM_REPO" "$UPSTREAM_COMMIT" 2>&1 &&
            git -C "$fetching" checkout -q FETCH_HEAD 2>&1); then
            fetch_failed "$(printf '%s\n' "$out" | grep -v '^[[:space:]]*$' | tail -n 1)"
        fi
        mv "$fetching" "$src"
        fetching=""
    fi
fi
[[ -d "$src" ]] || die "$src: no such directory (usage: $0 [<path to a Frontbase checkout>] [tag])"

# The six-service layout: these Dockerfiles, and a compose file with redis-http among its services.
for f in fastapi-backend/Dockerfile services/edge/Dockerfile Dockerfile.frontend docker-compose.yml; do
    [[ -f "$src/$f" ]] || die "$src is not a Frontbase checkout with the six-service layout: $f is missing"
done
for svc in backend edge frontend redis redis-http postgres; do
    grep -Eq "^  ${svc}:[[:space:]]*$" "$src/docker-compose.yml" \
        || die "$src/docker-compose.yml has no '$svc' service: this project deploys the six-service layout (upstream commit $UPSTREAM_COMMIT); later upstream commits dropped redis-http"
done

commit=""
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
    commit="$(git -C "$src" rev-parse HEAD | cut -c1-12)"
    [[ -z "$(git -C "$src" status --porcelain --untracked-files=no)" ]] || commit="${commit}-dirty"
fi

build() { # name, context, dockerfile, extra args...
    local name=$1 context=$2 dockerfile=$3
    shift 3
    local start=$SECONDS tags=(-t "$name:$tag")
    [[ -n "$commit" ]] && tags+=(-t "$name:$commit")
    local log="$logs/${name##*/}.log"
    say "building $name from ${dockerfile#"$src"/} ..."
    if ! docker build "${tags[@]}" -f "$dockerfile" "$@" "$context" >>"$log" 2>&1; then
        keep_logs=1
        tail -n 30 "$log" >&2
        die "building $name failed (full log: $log)"
    fi
    say "$name:$tag${commit:+ and :$commit} built in $((SECONDS - start)) s"
}

build frontbase-backend "$src/fastapi-backend" "$src/fastapi-backend/Dockerfile"
# upstream's main.py imports app/middleware/test_mode.py, which its .gitignore keeps out of every
# checkout: without it the backend cannot start. Add ours, as a layer on top, only when missing.
if [[ ! -e "$src/fastapi-backend/app/middleware/test_mode.py" ]]; then
    shim="$logs/test_mode-layer"
    mkdir "$shim"
    cp "$here/../images/frontbase/test_mode.py" "$shim/test_mode.py"
    printf 'FROM frontbase-backend:%s\nCOPY test_mode.py /app/app/middleware/test_mode.py\n' "$tag" >"$shim/Dockerfile"
    build frontbase-backend "$shim" "$shim/Dockerfile"
fi
build frontbase-edge "$src/services/edge" "$src/services/edge/Dockerfile"
build frontbase-frontend "$src" "$src/Dockerfile.frontend" --build-arg VITE_API_URL=

if [[ -z "$commit" || "$commit" == *-dirty ]]; then
    say "images ready as :$tag. No release printed: ${commit:+the checkout has uncommitted changes; }a release names a commit's images"
    exit 0
fi
say "images ready. To roll them out, commit these lines under config: in Pulumi.yaml (an entry of an"
say "existing frontbase:releases goes under its value:), then: npm run rollout -- --all (docs/releases.md)"
cat <<RELEASE
  frontbase:releases:
    value:
      fb-$commit:
        backend: frontbase-backend:$commit
        edge: frontbase-edge:$commit
        frontend: frontbase-frontend:$commit
  frontbase:release: fb-$commit
RELEASE

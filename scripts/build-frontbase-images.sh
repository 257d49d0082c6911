#!/usr/bin/env bash
# `bash scripts/build-frontbase-images.sh [<frontbase-checkout>] [tag]`
#
# Frontbase publishes no images, so each Docker host builds them once, with upstream's own
# Dockerfiles; every tenant on the host then shares them (the defaults of `frontbase:images`).
# Each image is tagged twice: `:<tag>` (default `latest`, what stack files use) and `:<commit>`
# (the checkout's first 12 hex digits), so that a rollback is one `docker tag` away.
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

if [[ -z "$src" ]]; then
    command -v git >/dev/null || die "git is needed to fetch Frontbase (or pass a checkout: $0 <path>)"
    src="${XDG_CACHE_HOME:-$HOME/.cache}/frontbase-tenants/frontbase-${UPSTREAM_COMMIT:0:12}"
    if [[ ! -d "$src/.git" ]]; then
        say "fetching Frontbase $UPSTREAM_COMMIT from $UPSTREAM_REPO into $src"
        rm -rf "$src" && mkdir -p "$src"
        git -C "$src" init -q
        git -C "$src" fetch -q --depth 1 "$UPSTREAM_REPO" "$UPSTREAM_COMMIT" || die "could not fetch $UPSTREAM_COMMIT from $UPSTREAM_REPO"
        git -C "$src" checkout -q FETCH_HEAD
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
    say "building $name from ${dockerfile#"$src"/} ..."
    docker build "${tags[@]}" -f "$dockerfile" "$@" "$context" >"/tmp/frontbase-build-${name##*/}.log" 2>&1 \
        || { tail -n 30 "/tmp/frontbase-build-${name##*/}.log" >&2; die "building $name failed (full log: /tmp/frontbase-build-${name##*/}.log)"; }
    say "$name:$tag${commit:+ and :$commit} built in $((SECONDS - start)) s"
}

build frontbase-backend "$src/fastapi-backend" "$src/fastapi-backend/Dockerfile"
# upstream's main.py imports app/middleware/test_mode.py, which its .gitignore keeps out of every
# checkout: without it the backend cannot start. Add ours, as a layer on top, only when missing.
if [[ ! -e "$src/fastapi-backend/app/middleware/test_mode.py" ]]; then
    shim="$(mktemp -d)"
    cp "$here/../images/frontbase/test_mode.py" "$shim/test_mode.py"
    printf 'FROM frontbase-backend:%s\nCOPY test_mode.py /app/app/middleware/test_mode.py\n' "$tag" >"$shim/Dockerfile"
    build frontbase-backend "$shim" "$shim/Dockerfile"
    rm -rf "$shim"
fi
build frontbase-edge "$src/services/edge" "$src/services/edge/Dockerfile"
build frontbase-frontend "$src" "$src/Dockerfile.frontend" --build-arg VITE_API_URL=

say "images ready. Tenants use them by default (frontbase:images). After a rebuild, roll them"
say "out tenant by tenant with: pulumi up --refresh --stack <tenant>"

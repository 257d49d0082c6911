#!/usr/bin/env bash
# `bash scripts/build-frontbase-images.sh <frontbase-checkout> [tag]`
#
# Frontbase publishes no images, so each Docker host builds them once from a Frontbase
# checkout; every tenant on the host then shares them (the defaults of `frontbase:images`).
# The frontend is built with a relative API path: its own nginx routes /api to each tenant's
# backend, so one frontend image serves every tenant (no per-tenant VITE_API_URL build).
set -euo pipefail

src=${1:-}
tag=${2:-latest}
if [[ -z "$src" || ! -d "$src" ]]; then
    echo "usage: $0 <path to a Frontbase checkout> [tag, default latest]" >&2
    exit 2
fi
for f in fastapi-backend/Dockerfile services/edge/Dockerfile Dockerfile.frontend; do
    if [[ ! -f "$src/$f" ]]; then
        echo "$src does not look like a Frontbase checkout: $f is missing" >&2
        exit 2
    fi
done

build() { # image, context, dockerfile, extra args...
    local image=$1 context=$2 dockerfile=$3
    shift 3
    echo "==> building $image from $dockerfile"
    local start=$SECONDS
    docker build -t "$image" -f "$dockerfile" "$@" "$context"
    echo "    $image built in $((SECONDS - start)) s"
}

build "frontbase-backend:$tag" "$src/fastapi-backend" "$src/fastapi-backend/Dockerfile"
build "frontbase-edge:$tag" "$src/services/edge" "$src/services/edge/Dockerfile"
build "frontbase-frontend:$tag" "$src" "$src/Dockerfile.frontend" --build-arg VITE_API_URL=

echo
echo "Images ready. Tenants use them by default (frontbase:images). After a rebuild, roll them"
echo "out tenant by tenant with: pulumi up --refresh --stack <tenant>"

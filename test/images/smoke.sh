#!/usr/bin/env bash
# Self-check of the stand-in images (redis, postgres, redis-http) against a real engine (run by hand, ~1 min):
#   bash test/images/smoke.sh
# Needs the images (npm run images:test) and node_modules (npm ci). See smoke.ts.
set -euo pipefail
cd "$(dirname "$0")/../.."
docker info >/dev/null 2>&1 || { echo "[smoke] ERROR: no Docker Engine answers; run 'npm run docker:start'" >&2; exit 1; }
for img in $(sed -n 's/^ *[A-Za-z]*: "\(frontbase-test\/[^"]*\)",\{0,1\}$/\1/p' test/images/images.ts); do
    docker image inspect "$img" >/dev/null 2>&1 || { echo "[smoke] ERROR: image $img is missing; run 'npm run images:test'" >&2; exit 1; }
done
exec node_modules/.bin/ts-node --transpile-only test/images/smoke.ts

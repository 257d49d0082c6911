#!/usr/bin/env bash
# Check the real Frontbase images with plain `docker run` (no Pulumi): one sqlite tenant
# (backend, edge, frontend, redis, redis-http) and a postgres backend, wired as upstream's
# docker-compose.yml does. Prints what it checks and the memory at rest of every container.
# Everything it creates is named fbimg-verify-* and removed at the end (VERIFY_KEEP=1 keeps it).
#
#   bash images/frontbase/verify.sh        after `npm run images:test` (or images:frontbase
#                                          plus the redis, postgres and redis-http test images)
#
# Env: REDIS_HTTP_IMAGE, REDIS_IMAGE, POSTGRES_IMAGE override the test images.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
img() { sed -n "s/^ *$1: \"\\([^\"]*\\)\",\\{0,1\\}\$/\\1/p" "$2" | head -n 1; }
BACKEND="$(img backend "$REPO/test/images/frontbase.ts")"
EDGE="$(img edge "$REPO/test/images/frontbase.ts")"
FRONTEND="$(img frontend "$REPO/test/images/frontbase.ts")"
REDIS="${REDIS_IMAGE:-$(img redis "$REPO/test/images/images.ts")}"
REDIS_HTTP="${REDIS_HTTP_IMAGE:-$(img redisHttp "$REPO/test/images/images.ts")}"
POSTGRES="${POSTGRES_IMAGE:-$(img postgres "$REPO/test/images/images.ts")}"

P=fbimg-verify
NET=$P-net
NET_PG=$P-net-pg
ADMIN_EMAIL=admin@example.com          # EmailStr: .test/.local/.invalid/localhost are refused
ADMIN_PASSWORD="verify-$RANDOM-$RANDOM-pass"
PG_PASSWORD="pg-$RANDOM-$RANDOM"
failures=0

say() { echo "[verify] $*"; }
ok() { echo "[verify]   ok: $*"; }
bad() { echo "[verify]   FAIL: $*"; failures=$((failures + 1)); }
check() { # description, command...
    local what="$1"
    shift
    if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi
}

cleanup() {
    [ "${VERIFY_KEEP:-0}" = 1 ] && { say "kept (VERIFY_KEEP=1): containers, volumes and networks named $P-*"; return; }
    docker ps -aq --filter "name=^$P-" | xargs -r docker rm -f >/dev/null 2>&1 || true
    docker volume ls -q --filter "name=^$P-" | xargs -r docker volume rm >/dev/null 2>&1 || true
    docker network rm "$NET" "$NET_PG" >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup

run() { # name, network, alias, image, docker-run args... (after --)
    local name="$1" net="$2" alias="$3" image="$4"
    shift 4
    docker run -d --name "$P-$name" --network "$net" --network-alias "$alias" "$@" "$image" >/dev/null
}
# Seconds until `curl -fsS URL` succeeds inside the container, or fail after $3 seconds.
wait_healthy() { # name, url, timeout
    local t0 i
    t0="$(date +%s)"
    for ((i = 0; i < $3; i++)); do
        if docker exec "$P-$1" curl -fsS "$2" >/dev/null 2>&1; then
            ok "$1 healthy after $(($(date +%s) - t0))s (curl -fsS $2)"
            return 0
        fi
        sleep 1
    done
    bad "$1 not healthy within $3 s"
    docker logs --tail 20 "$P-$1" 2>&1 | sed 's/^/[verify]     /'
    return 1
}
in_c() { docker exec "$P-$1" "${@:2}"; }

docker network create "$NET" >/dev/null
docker network create "$NET_PG" >/dev/null

say "sqlite tenant: redis, redis-http ($REDIS_HTTP), backend, edge, frontend"
run redis "$NET" redis "$REDIS" -v "$P-redis:/data"
run redis-http "$NET" redis-http "$REDIS_HTTP" -e SRH_MODE=env -e SRH_TOKEN=dev_token_change_in_prod \
    -e SRH_CONNECTION_STRING=redis://redis:6379
run backend "$NET" backend "$BACKEND" -e DATABASE=sqlite -e ADMIN_EMAIL="$ADMIN_EMAIL" \
    -e ADMIN_PASSWORD="$ADMIN_PASSWORD" -e ENVIRONMENT=production -v "$P-backend:/app/data"
wait_healthy backend http://127.0.0.1:8000/health 120 || exit 1
run edge "$NET" edge "$EDGE" -e PORT=3002 -e FASTAPI_URL=http://backend:8000 -v "$P-edge:/app/data"
wait_healthy edge http://127.0.0.1:3002/api/health 60 || exit 1
run frontend "$NET" frontend "$FRONTEND"
wait_healthy frontend http://127.0.0.1/nginx-health 30 || exit 1

say "frontend routing"
F=(in_c frontend curl -sS)
check "/frontbase-admin/ is the admin SPA (HTML)" \
    bash -c "docker exec $P-frontend curl -fsS http://127.0.0.1/frontbase-admin/ | grep -q '<div id=\"root\"'"
check "/frontbase-admin/<deep route> falls back to index.html" \
    docker exec "$P-frontend" curl -fsS http://127.0.0.1/frontbase-admin/settings/anything
check "any Host gets Frontbase, not Debian's welcome page" \
    bash -c "docker exec $P-frontend curl -fsS -H 'Host: tenant.example.com' http://127.0.0.1/frontbase-admin/ | grep -q Frontbase"
check "/api/sync/health reaches the backend" \
    bash -c "docker exec $P-frontend curl -fsS http://127.0.0.1/api/sync/health | grep -q healthy"
check "/api/health is the backend's (404, x-test-mode header), not the edge's" \
    bash -c "docker exec $P-frontend curl -sS -i http://127.0.0.1/api/health | grep -qi '^x-test-mode'"
check "/ is served by the edge" \
    bash -c "docker exec $P-frontend curl -fsS http://127.0.0.1/ | grep -q 'No Homepage Configured'"

say "login (POST /api/auth/login through the frontend)"
login() { "${F[@]}" -i -X POST http://127.0.0.1/api/auth/login -H 'Content-Type: application/json' \
    -d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$1\"}"; }
resp="$(login "$ADMIN_PASSWORD")"
if grep -q '^HTTP/1.1 200' <<<"$resp" && grep -qi '^set-cookie: frontbase_session=.*HttpOnly.*Secure' <<<"$resp"; then
    ok "right password: 200, cookie frontbase_session (HttpOnly; Secure with ENVIRONMENT=production)"
    cookie="$(sed -n 's/^set-cookie: \(frontbase_session=[^;]*\);.*/\1/Ip' <<<"$resp" | tr -d '\r')"
    check "GET /api/auth/me with the cookie" docker exec "$P-frontend" curl -fsS -H "Cookie: $cookie" http://127.0.0.1/api/auth/me
else
    bad "login with the right password: $(head -n 1 <<<"$resp")"
fi
check "wrong password: 401" bash -c "docker exec $P-frontend curl -sS -o /dev/null -w '%{http_code}' -X POST \
    http://127.0.0.1/api/auth/login -H 'Content-Type: application/json' \
    -d '{\"email\":\"$ADMIN_EMAIL\",\"password\":\"wrong\"}' | grep -qx 401"

say "redis token: edge -> redis-http -> redis"
cache_ok() { in_c edge curl -fsS http://127.0.0.1:3002/api/cache/test | grep -q '"success":true'; }
check "seeded token (dev_token_change_in_prod): cache test succeeds" cache_ok
in_c backend curl -fsS -X PUT http://127.0.0.1:8000/api/sync/settings/redis/ -H 'Content-Type: application/json' \
    -d '{"redis_url":"http://redis-http:80","redis_token":"verify-new-token","redis_type":"self-hosted","redis_enabled":true}' >/dev/null
docker rm -f "$P-redis-http" >/dev/null
run redis-http "$NET" redis-http "$REDIS_HTTP" -e SRH_MODE=env -e SRH_TOKEN=verify-new-token \
    -e SRH_CONNECTION_STRING=redis://redis:6379
sleep 1
check "new token in settings and redis-http, edge not restarted: cache test fails (401)" bash -c "! docker exec $P-edge curl -fsS http://127.0.0.1:3002/api/cache/test | grep -q '\"success\":true'"
docker restart "$P-edge" >/dev/null
wait_healthy edge http://127.0.0.1:3002/api/health 60 || true
sleep 2
check "after an edge restart: cache test succeeds" cache_ok

say "postgres backend (DATABASE=postgresql)"
run postgres "$NET_PG" postgres "$POSTGRES" -e POSTGRES_USER=frontbase -e POSTGRES_DB=frontbase \
    -e POSTGRES_PASSWORD="$PG_PASSWORD" -v "$P-postgres:/var/lib/postgresql/data"
run backend-pg "$NET_PG" backend "$BACKEND" -e DATABASE=postgresql -e DB_PASSWORD="$PG_PASSWORD" \
    -e ADMIN_EMAIL="$ADMIN_EMAIL" -e ADMIN_PASSWORD="$ADMIN_PASSWORD" -v "$P-backend-pg:/app/data"
if wait_healthy backend-pg http://127.0.0.1:8000/health 120; then
    tables="$(in_c postgres psql -U frontbase -d frontbase -Atc '\dt' | wc -l)"
    if [ "$tables" -gt 10 ]; then ok "$tables core tables in postgres (psql \\dt)"; else bad "only $tables tables in postgres"; fi
    check "no sqlite database in the postgres backend's volume" bash -c "! docker exec $P-backend-pg ls /app/data/frontbase.db"
    check "seeded redis settings in postgres" bash -c "docker exec $P-postgres psql -U frontbase -d frontbase -Atc \
        'select redis_token from project_settings' | grep -qx dev_token_change_in_prod"
fi

say "memory at rest (docker stats --no-stream, after 20 s idle)"
sleep 20
docker stats --no-stream --format '{{.Name}}\t{{.MemUsage}}' $(docker ps --format '{{.Names}}' | grep "^$P-") \
    | sed "s/^$P-//; s/ \/ .*//" | sort | sed 's/^/[verify]   /'

if [ "$failures" -gt 0 ]; then say "$failures check(s) FAILED"; exit 1; fi
say "all checks passed"

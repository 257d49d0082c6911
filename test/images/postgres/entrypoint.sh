#!/bin/bash
# The official postgres image's env contract, on Debian's PostgreSQL:
# - first start on an empty PGDATA: initdb with superuser POSTGRES_USER (default postgres) and
#   password POSTGRES_PASSWORD (required), create POSTGRES_DB (default: the user's name);
# - TCP clients must authenticate with scram-sha-256; the unix socket inside the container
#   trusts local users (that is what pg_isready and `docker exec psql` use);
# - later starts (the data volume kept across a container replacement) skip all of that.
# Secrets are never echoed.
set -euo pipefail

log() { echo "entrypoint: $*"; }
die() { echo "entrypoint: ERROR: $*" >&2; exit 1; }

if [ "${1:-}" = postgres ] || [ "${1:0:1}" = - ]; then
    [ "${1:0:1}" = - ] && set -- postgres "$@"

    if [ "$(id -u)" = 0 ]; then
        # A fresh volume may be root-owned; postgres refuses a PGDATA it does not own.
        mkdir -p "$PGDATA"
        chown postgres:postgres "$PGDATA"
        chmod 700 "$PGDATA"
        exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
    fi

    if [ ! -s "$PGDATA/PG_VERSION" ]; then
        [ -n "${POSTGRES_PASSWORD:-}" ] || die "POSTGRES_PASSWORD is not set: refusing to create a database without a password"
        user="${POSTGRES_USER:-postgres}"
        db="${POSTGRES_DB:-$user}"
        log "initialising $PGDATA (superuser '$user', database '$db')"
        pwfile="$(mktemp)"
        trap 'rm -f "$pwfile"' EXIT
        printf '%s' "$POSTGRES_PASSWORD" >"$pwfile"
        initdb --username="$user" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
            --auth-local=trust --auth-host=scram-sha-256 >/dev/null
        rm -f "$pwfile"
        trap - EXIT
        # initdb's host lines cover loopback only; the tenant's peers come from its network.
        cat >"$PGDATA/pg_hba.conf" <<'HBA'
local all all trust
host  all all all scram-sha-256
HBA
        # A temporary server on a private socket and no TCP, so that neither pg_isready (the
        # health check) nor a peer sees the database before it is complete.
        sock="$(mktemp -d)"
        pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -k $sock" -w start >/dev/null
        if [ "$db" != postgres ]; then
            # format(%I) quotes the name as an identifier; \gexec runs the statement it built.
            if ! psql -v ON_ERROR_STOP=1 -h "$sock" -U "$user" -d postgres -q -v db="$db" <<'SQL'
SELECT format('CREATE DATABASE %I', :'db') \gexec
SQL
            then
                pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
                rm -rf "${PGDATA:?}"/*
                die "could not create database '$db'"
            fi
        fi
        pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
        rmdir "$sock"
        log "initialised"
    else
        log "using the existing database in $PGDATA"
    fi
    exec "$@" -c listen_addresses='*'
fi

exec "$@"

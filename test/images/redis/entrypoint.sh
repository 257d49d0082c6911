#!/bin/sh
# Like the official redis image's docker-entrypoint.sh: `redis-server ...` runs as user redis,
# and without a config file protected mode is switched off, because redis then refuses every
# non-loopback client and the tenant's peers (redis-http) could never connect.
set -e

# `docker run IMAGE --appendonly yes` means redis-server with those flags.
case "$1" in
    -*|*.conf) set -- redis-server "$@" ;;
esac

if [ "$1" = redis-server ]; then
    if [ "$(id -u)" = 0 ]; then
        # A fresh volume is root-owned; redis must write its AOF/RDB files there.
        find . \! -user redis -exec chown redis:redis '{}' +
        exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
    fi
    case " $* " in
        *" --protected-mode "*) ;;
        *) set -- "$@" --protected-mode no ;;
    esac
fi

exec "$@"

#!/usr/bin/env bash
# Make a Docker Engine answer on this machine (`npm run docker:start`). Idempotent.
#
# CI machines have no init system running Docker: this installs Debian's docker.io when
# dockerd is missing, clears the pid files a killed dockerd leaves behind (the next dockerd
# refuses to start while /var/run/docker.pid exists), starts dockerd in the background as
# root and waits until `docker info` answers. See ../shared/FIELD-NOTES.md section 5.
#
# Env: DOCKERD_LOG (default /var/log/dockerd.log), DOCKER_START_TIMEOUT (seconds, default 60).
set -euo pipefail

LOG="${DOCKERD_LOG:-/var/log/dockerd.log}"
TIMEOUT="${DOCKER_START_TIMEOUT:-60}"
DOCKER_PID_FILE=/var/run/docker.pid
# dockerd 20.10 supervises its own containerd and records it here.
CONTAINERD_PID_FILE=/var/run/docker/containerd/containerd.pid

say() { echo "[docker:start] $*"; }
die() { echo "[docker:start] ERROR: $*" >&2; exit 1; }

engine_answers() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

if engine_answers; then
    say "Docker Engine already answers (server $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?')); nothing to do"
    exit 0
fi

[ "$(id -u)" -eq 0 ] || die "no Docker Engine answers and starting one needs root (run as root, e.g. sudo npm run docker:start)"

# True when the pid in file $1 is a live process named $2 (pids are reused after a kill).
pid_file_alive() {
    local file="$1" name="$2" pid
    [ -s "$file" ] || return 1
    pid="$(tr -dc 0-9 <"$file")"
    [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = "$name" ]
}

# True when any process is named dockerd (procps may be missing on a fresh machine).
dockerd_running() {
    local comm
    for comm in /proc/[0-9]*/comm; do
        [ "$(cat "$comm" 2>/dev/null)" = dockerd ] && return 0
    done
    return 1
}

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
    say "dockerd not found: installing Debian's docker.io"
    export DEBIAN_FRONTEND=noninteractive
    # An unreachable third-party source must not stop the install from Debian's mirror.
    apt-get update -qq || say "warning: apt-get update reported errors; trying the install anyway"
    # apparmor/cgroupfs-mount are docker.io's recommends that matter on hosts; the rest
    # (git, needrestart) are not needed here.
    apt_log="$(mktemp)"
    if ! apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 \
        docker.io apparmor cgroupfs-mount ca-certificates >"$apt_log" 2>&1; then
        tail -n 30 "$apt_log" >&2
        die "apt-get install docker.io failed"
    fi
    rm -f "$apt_log"
    say "installed $(dockerd --version)"
fi

if dockerd_running; then
    say "a dockerd process exists but does not answer yet; waiting for it"
else
    if [ -e "$DOCKER_PID_FILE" ] && ! pid_file_alive "$DOCKER_PID_FILE" dockerd; then
        say "removing stale $DOCKER_PID_FILE (no dockerd is running)"
        rm -f "$DOCKER_PID_FILE"
    fi
    if [ -e "$CONTAINERD_PID_FILE" ] && ! pid_file_alive "$CONTAINERD_PID_FILE" containerd; then
        say "removing stale $CONTAINERD_PID_FILE"
        rm -f "$CONTAINERD_PID_FILE"
    fi
    mkdir -p "$(dirname "$LOG")"
    say "starting dockerd in the background (log: $LOG)"
    # setsid: the daemon must outlive this script and the CI step's process group.
    setsid dockerd >>"$LOG" 2>&1 </dev/null &
    DOCKERD_PID=$!
fi

waited=0
until engine_answers; do
    if [ -n "${DOCKERD_PID:-}" ] && ! kill -0 "$DOCKERD_PID" 2>/dev/null; then
        echo "[docker:start] dockerd exited; last lines of $LOG:" >&2
        tail -n 30 "$LOG" >&2 || true
        die "dockerd did not start"
    fi
    if [ "$waited" -ge "$TIMEOUT" ]; then
        echo "[docker:start] last lines of $LOG:" >&2
        tail -n 30 "$LOG" >&2 || true
        die "Docker Engine did not answer within ${TIMEOUT}s"
    fi
    sleep 1
    waited=$((waited + 1))
done
say "Docker Engine answers after ${waited}s (server $(docker version --format '{{.Server.Version}}'))"

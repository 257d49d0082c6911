#!/usr/bin/env bash
# A real multi-node Docker Swarm on one machine, for tests and trials (FIELD-NOTES section 5):
# one dockerd per network namespace, the namespaces joined by a bridge, node 1 the manager.
#
#   bash scripts/swarm-lab.sh up [NODES] [IMAGE...]   make NODES (default 3) nodes, load the images into each
#   bash scripts/swarm-lab.sh down                    stop the daemons, remove namespaces, bridge and data
#   bash scripts/swarm-lab.sh stop K | start K        stop or start node K's daemon (a reboot, as the swarm sees it)
#   bash scripts/swarm-lab.sh env [NODES]             print the manager's DOCKER_HOST and every node's Engine (FRONTBASE_NODE_HOSTS)
#
# Node k is namespace fbswarm-k at 10.231.0.(10+k), its Engine at unix:///run/fbswarm/k/docker.sock,
# its hostname fbswarm-k. Root only. Traffic stays on the lab's own bridge and namespaces.
set -euo pipefail

PREFIX=fbswarm
BRIDGE=fbswarm0
NET=10.231.0
ROOT=/run/$PREFIX
DATA=${FBSWARM_DATA:-/var/lib/$PREFIX}

log() { echo "[swarm-lab] $*" >&2; }
sock() { echo "unix://$ROOT/$1/docker.sock"; }
dk() { local k=$1; shift; docker -H "$(sock "$k")" "$@"; }

node_net() {
    local k=$1 ns=$PREFIX-$1 ip=$NET.$((10 + $1))
    ip netns add "$ns"
    ip link add "veth-$PREFIX$k" type veth peer name eth0 netns "$ns"
    ip link set "veth-$PREFIX$k" master "$BRIDGE" up
    ip -n "$ns" addr add "$ip/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    ip -n "$ns" route add default via "$NET.1"
}

daemon_start() {
    local k=$1 ns=$PREFIX-$1
    mkdir -p "$ROOT/$k" "$DATA/$k"
    # nsenter, not `ip netns exec` (which remounts /sys; dockerd then finds no devices cgroup).
    # The hostname is the node's name in the swarm: a UTS namespace of its own carries it.
    nsenter --net="/var/run/netns/$ns" unshare --uts sh -c "hostname $ns; exec dockerd \
        --data-root $DATA/$k --exec-root $ROOT/$k/exec --pidfile $ROOT/$k/docker.pid \
        -H $(sock "$k") --bridge none --iptables=false --ip-masq=false" >>"$ROOT/$k/dockerd.log" 2>&1 &
    for _ in $(seq 1 60); do dk "$k" info >/dev/null 2>&1 && return 0; sleep 0.5; done
    log "node $k: dockerd did not answer; see $ROOT/$k/dockerd.log"
    tail -n 20 "$ROOT/$k/dockerd.log" >&2
    return 1
}

up() {
    local nodes=${1:-3}
    shift || true
    [ -e "$ROOT/1/docker.sock" ] && { log "already up (bash $0 down first)"; exit 1; }
    ip link add "$BRIDGE" type bridge
    ip addr add "$NET.1/24" dev "$BRIDGE"
    ip link set "$BRIDGE" up
    # Docker's FORWARD policy drops bridged traffic unless DOCKER-USER accepts it.
    iptables -N DOCKER-USER 2>/dev/null || true
    iptables -C DOCKER-USER -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null || iptables -I DOCKER-USER -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT
    local started=$SECONDS
    for k in $(seq 1 "$nodes"); do node_net "$k" && daemon_start "$k"; done
    dk 1 swarm init --advertise-addr "$NET.11" >/dev/null
    local token
    token=$(dk 1 swarm join-token -q worker)
    for k in $(seq 2 "$nodes"); do dk "$k" swarm join --token "$token" "$NET.11:2377" >/dev/null; done
    log "$nodes nodes up, swarm formed in $((SECONDS - started)) s"
    if [ $# -gt 0 ]; then
        local tar="$DATA/images.tar"
        started=$SECONDS
        docker save "$@" -o "$tar"
        local pids=()
        for k in $(seq 1 "$nodes"); do dk "$k" load -q -i "$tar" >/dev/null & pids+=($!); done
        # Not a bare `wait`: that would wait for the daemons too.
        wait "${pids[@]}"
        rm -f "$tar"
        log "loaded $# image(s) into every node in $((SECONDS - started)) s"
    fi
    sock 1
}

daemon_stop() {
    local pidfile=$ROOT/$1/docker.pid
    [ -f "$pidfile" ] || { log "node $1 is not running"; return 1; }
    local pid
    pid=$(cat "$pidfile")
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    # Its task containers' shims keep running without it, as after a crash; the next start reaps them.
    log "node $1 stopped"
}

down() {
    for pidfile in "$ROOT"/*/docker.pid; do
        [ -f "$pidfile" ] || continue
        kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    for _ in $(seq 1 40); do pgrep -f "dockerd --data-root $DATA/" >/dev/null || break; sleep 0.5; done
    pkill -9 -f "dockerd --data-root $DATA/" 2>/dev/null || true
    for ns in $(ip netns list | awk '{print $1}' | grep "^$PREFIX-" || true); do ip netns del "$ns"; done
    ip link del "$BRIDGE" 2>/dev/null || true
    while iptables -D DOCKER-USER -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null; do :; done
    # Task containers' mounts under the data roots, and the daemons' own (a host-network
    # container's exec/netns/default), then the data.
    grep -oE " ($DATA|$ROOT)/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    rm -rf "$ROOT" "$DATA"
    log "down"
}

case "${1:-}" in
    up) shift; up "$@" ;;
    down) down ;;
    env)
        echo "DOCKER_HOST=$(sock 1)"
        hosts=""
        for k in $(seq 1 "${2:-3}"); do hosts="$hosts${hosts:+,}$PREFIX-$k=$(sock "$k")"; done
        echo "FRONTBASE_NODE_HOSTS=$hosts"
        ;;
    stop) daemon_stop "$2" ;;
    start) daemon_start "$2" && log "node $2 started" ;;
    *) echo "usage: bash $0 up [NODES] [IMAGE...] | down | stop K | start K | env [NODES]" >&2; exit 2 ;;
esac

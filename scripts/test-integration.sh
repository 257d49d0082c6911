#!/usr/bin/env bash
# npm run test:integration [-- <files or vitest options>]: the integration suite on the real engine.
# With arguments, exactly those (one vitest run). Without, the whole suite in two runs side by
# side: the swarm file makes its own three dockerd in network namespaces (scripts/swarm-lab.sh)
# and only reads this host's Engine (docker save), so it runs beside the other files, which share
# this host's Engine one at a time (vitest.integration.config.mts). Either failing fails the run;
# the swarm run's lines are prefixed with [swarm].
set -euo pipefail
cd "$(dirname "$0")/.."
config=vitest.integration.config.mts
if [ "$#" -gt 0 ]; then exec npx vitest run --config "$config" "$@"; fi

swarm=test/integration/swarm.test.ts
npx vitest run --config "$config" "$swarm" > >(sed -u 's/^/[swarm] /') 2>&1 &
swarm_pid=$!
rest=0
npx vitest run --config "$config" --exclude "$swarm" || rest=$?
swarm_rc=0
wait "$swarm_pid" || swarm_rc=$?
if [ "$rest" -ne 0 ] || [ "$swarm_rc" -ne 0 ]; then
    echo "integration: the swarm file exit $swarm_rc, the other files exit $rest" >&2
    exit 1
fi

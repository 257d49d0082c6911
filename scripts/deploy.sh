#!/usr/bin/env bash
# `npm run deploy -- <stack> [--repair] [pulumi up options]`: deploy one tenant stack, then
# check through the Docker Engine that every service is healthy (`tenant verify`). A green
# `pulumi up` is not enough: after a failed health wait, the next `up` reports success without
# looking again. On a broken service it exits non-zero and prints the exact
# `pulumi up --replace <urn>` that re-creates it; with --repair it runs that itself.
#
# Uses the Pulumi CLI on PATH, or the one the `pulumi` npm package (a dev dependency) fetches
# on first use. With no backend logged in, it uses a local file backend (~/.pulumi) — no
# account needed. Secrets are encrypted with a passphrase: set PULUMI_CONFIG_PASSPHRASE (or
# PULUMI_CONFIG_PASSPHRASE_FILE), or Pulumi asks for it.
set -euo pipefail
cd "$(dirname "$0")/.."

# The command line, declared once: the usage message prints it, the loop below takes its own
# flags, and npm test parses every `npm run deploy` line of the docs against it
# (test/support/docCommands.ts). Any other option goes to `pulumi up`.
USAGE="npm run deploy -- <stack> [--repair] [pulumi up options]"

stack=${1:-}
if [[ -z "$stack" || "$stack" == -* ]]; then
    echo "usage: $USAGE   (e.g. npm run deploy -- dev)" >&2
    exit 2
fi
shift
repair=()
args=()
for a in "$@"; do
    case "$a" in
        --repair) repair=(--repair) ;;
        *) args+=("$a") ;;
    esac
done
if [[ ! -f "Pulumi.$stack.yaml" ]]; then
    echo "deploy: no Pulumi.$stack.yaml here; create it with: npm run tenant -- new $stack" >&2
    exit 2
fi

# Config valid, Docker host answering, Frontbase images built: say so now, not mid-deploy.
# Missing Frontbase images (exit 4) are built first: from FRONTBASE_SRC, else from upstream at
# the pinned commit (scripts/build-frontbase-images.sh fetches it with git).
rc=0
npm run --silent tenant -- preflight "$stack" || rc=$?
if [[ $rc -eq 4 ]]; then
    echo "deploy: building the Frontbase images on this Docker host first (once per host)" >&2
    bash scripts/build-frontbase-images.sh ${FRONTBASE_SRC:+"$FRONTBASE_SRC"} || exit 1
    npm run --silent tenant -- preflight "$stack" || exit 1
elif [[ $rc -ne 0 ]]; then
    exit 1
fi

if command -v pulumi >/dev/null 2>&1; then pulumi=(pulumi); else pulumi=(npx --no-install pulumi); fi

if ! version=$("${pulumi[@]}" version 2>&1); then
    echo "deploy: the Pulumi CLI is not available (${pulumi[*]} version said: ${version##*$'\n'})." >&2
    echo "        Install it (https://www.pulumi.com/docs/install/) or let 'npx pulumi' download it." >&2
    exit 1
fi
if ! "${pulumi[@]}" whoami >/dev/null 2>&1; then
    echo "deploy: no Pulumi backend logged in; using the local file backend (pulumi login --local)" >&2
    "${pulumi[@]}" login --local
fi
if [[ -z "${PULUMI_CONFIG_PASSPHRASE:-}" && -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" && ! -t 0 ]]; then
    echo "deploy: set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE (no terminal to ask on)" >&2
    exit 2
fi

"${pulumi[@]}" stack select --create "$stack"
"${pulumi[@]}" up --stack "$stack" ${args[@]+"${args[@]}"} || {
    echo "deploy: pulumi up failed; checking what is running (docs/deploy.md, 'When a deploy fails half-way')" >&2
    npm run --silent tenant -- verify "$stack" ${repair[@]+"${repair[@]}"}
    exit 1
}
exec npm run --silent tenant -- verify "$stack" --wait 60 ${repair[@]+"${repair[@]}"}

#!/usr/bin/env bash
# `npm run deploy -- <stack> [pulumi up options]`: deploy one tenant stack.
#
# Uses the Pulumi CLI on PATH, or the one the `pulumi` npm package (a dev dependency) fetches
# on first use. With no backend logged in, it uses a local file backend (~/.pulumi) — no
# account needed. Secrets are encrypted with a passphrase: set PULUMI_CONFIG_PASSPHRASE (or
# PULUMI_CONFIG_PASSPHRASE_FILE), or Pulumi asks for it.
set -euo pipefail
cd "$(dirname "$0")/.."

stack=${1:-}
if [[ -z "$stack" || "$stack" == -* ]]; then
    echo "usage: npm run deploy -- <stack> [pulumi up options]   (e.g. npm run deploy -- dev)" >&2
    exit 2
fi
shift
if [[ ! -f "Pulumi.$stack.yaml" ]]; then
    echo "deploy: no Pulumi.$stack.yaml here; create it with: npm run tenant -- new $stack" >&2
    exit 2
fi

# Config valid, Docker host answering, Frontbase images built: say so now, not mid-deploy.
npm run --silent tenant -- preflight "$stack" || exit 1

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
exec "${pulumi[@]}" up --stack "$stack" "$@"

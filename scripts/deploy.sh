#!/usr/bin/env bash
# `npm run deploy -- <stack> [--repair] [pulumi up options]`: deploy one tenant stack, then
# check through the Docker Engine that every service is healthy (`tenant verify`). A green
# `pulumi up` is not enough: after a failed health wait, the next `up` reports success without
# looking again. On a broken service it exits non-zero and prints the exact
# `pulumi up --replace <urn>` that re-creates it; with --repair it runs that itself.
#
# Uses an installed Pulumi CLI (on PATH or in ~/.pulumi/bin), else the `pulumi` npm package's
# wrapper (a dev dependency), which downloads the CLI on first use; it says which
# (scripts/pulumi-cli.js). With no backend logged in, it uses a local file backend (~/.pulumi)
# — no account needed. Secrets are encrypted with the stack's passphrase: PULUMI_CONFIG_PASSPHRASE
# (an empty one is a passphrase too) or PULUMI_CONFIG_PASSPHRASE_FILE, else it asks for it once.
# Credentials the stack file lacks are generated into it before the first `pulumi up`
# (`tenant credentials`), never over a tenant's kept data.
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
# Stack file there, config valid, Docker host answering, Frontbase images built: say so now,
# not mid-deploy (preflight names the fix: tenant new for a tenant, docs/proxy.md for the proxy).
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

# An installed CLI before the npm package's download wrapper, which `npm run` puts first on PATH.
found=$(node scripts/pulumi-cli.js) || exit 1
IFS=$'\t' read -r pulumi_bin _ pulumi_what <<<"$found"
echo "deploy: using $pulumi_what" >&2
pulumi=("$pulumi_bin")

if ! version=$("${pulumi[@]}" version 2>&1); then
    echo "deploy: the Pulumi CLI is not available ($pulumi_bin version said: ${version##*$'\n'})." >&2
    echo "        Install it (https://www.pulumi.com/docs/install/) and run this again." >&2
    exit 1
fi
if ! "${pulumi[@]}" whoami >/dev/null 2>&1; then
    echo "deploy: no Pulumi backend logged in; using the local file backend (pulumi login --local)" >&2
    "${pulumi[@]}" login --local
fi

# Does the stack encrypt with a passphrase? Its file says so (encryptionsalt, or secretsprovider:
# passphrase); a file naming another provider does not; otherwise the backend's default decides:
# Pulumi Cloud's own secrets, the passphrase everywhere else.
file="Pulumi.$stack.yaml"
needs_passphrase() {
    grep -Eq '^encryptionsalt:' "$file" && return 0
    if grep -Eq '^secretsprovider:' "$file"; then
        grep -Eq '^secretsprovider:[[:space:]]*"?passphrase"?[[:space:]]*$' "$file"
        return
    fi
    [[ "$("${pulumi[@]}" whoami --verbose 2>/dev/null | sed -n 's/^Backend URL: //p')" != https://* ]]
}
# Pulumi takes PULUMI_CONFIG_PASSPHRASE when it is set at all, "" included, else a non-empty
# PULUMI_CONFIG_PASSPHRASE_FILE (pkg/secrets/passphrase/manager.go, readPassphrase). Without
# either, ask once here, so that the credentials below and pulumi use the same one.
if [[ -z "${PULUMI_CONFIG_PASSPHRASE+set}" && -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]] && needs_passphrase; then
    if [[ ! -t 0 ]]; then
        echo "deploy: $file's secrets need the stack's passphrase: set PULUMI_CONFIG_PASSPHRASE (empty is allowed) or PULUMI_CONFIG_PASSPHRASE_FILE (no terminal to ask on)" >&2
        exit 2
    fi
    read -rsp "Passphrase of stack $stack: " PULUMI_CONFIG_PASSPHRASE && echo >&2
    if ! grep -Eq '^encryptionsalt:' "$file"; then # a new one: typed twice, as pulumi would
        read -rsp "The same passphrase again: " again && echo >&2
        [[ "$again" == "$PULUMI_CONFIG_PASSPHRASE" ]] || { echo "deploy: the passphrases differ" >&2; exit 2; }
    fi
    export PULUMI_CONFIG_PASSPHRASE
fi

# A stack file without credentials gets them now, before anything is created (never over kept data).
npm run --silent tenant -- credentials "$stack" || exit 1

"${pulumi[@]}" stack select --create "$stack"
"${pulumi[@]}" up --stack "$stack" ${args[@]+"${args[@]}"} || {
    echo "deploy: pulumi up failed; checking what is running (docs/deploy.md, 'When a deploy fails half-way')" >&2
    npm run --silent tenant -- verify "$stack" ${repair[@]+"${repair[@]}"}
    exit 1
}
exec npm run --silent tenant -- verify "$stack" --wait 60 ${repair[@]+"${repair[@]}"}

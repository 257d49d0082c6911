// The options `pulumi up` takes, which `npm run deploy` passes on (scripts/deploy.sh), so that a
// deploy line in the docs is checked against them too. Read from pulumi/pulumi
// pkg/cmd/pulumi/operations/up.go, `NewUpCmd`'s flag declarations (the CLI this project pins,
// 3.265.0, is of that file's line). Left out: `--stack` (deploy.sh passes the stack itself), the
// hidden and experimental ones (`--client`, `--plan`, `--exec-kind`, `--exec-agent`,
// `--event-log`), the deprecated `--copilot`, and the remote-deployment flags.
// `--refresh` and `--suppress-permalink` take an optional value (NoOptDefVal): written bare here.
import type { FlagSpec } from "../../cli/args";

const bool = (about: string): FlagSpec => ({ kind: "boolean", about });
const value = (about: string, multiple = false): FlagSpec => ({ kind: "value", about, arg: "VALUE", help: "a value", multiple });

export const PULUMI_UP_FLAGS: Record<string, FlagSpec> = {
    debug: bool("detailed debugging output"),
    "expect-no-changes": bool("an error if any changes occur"),
    "config-file": value("configuration values from this file"),
    config: value("config to use and save", true),
    "config-path": bool("config keys contain a path"),
    "secrets-provider": value("the secrets provider of a new stack"),
    message: value("a message for the update"),
    target: value("a resource URN to update, others untouched", true),
    exclude: value("a resource URN to ignore", true),
    replace: value("a resource URN to replace", true),
    "target-replace": value("--target urn --replace urn", true),
    "target-dependents": bool("update dependents of --target"),
    "exclude-dependents": bool("ignore dependents of --exclude"),
    "policy-pack": value("a policy pack", true),
    "policy-pack-config": value("a policy pack's config", true),
    diff: bool("a rich diff"),
    json: bool("JSON output"),
    parallel: value("resource operations at once"),
    refresh: bool("refresh the state first"),
    "run-program": bool("run the program for --refresh"),
    "show-config": bool("show configuration"),
    "show-policy-remediations": bool("policy remediation details"),
    "show-replacement-steps": bool("replacement steps in detail"),
    "show-sames": bool("unchanged resources too"),
    "show-secrets": bool("secret outputs in clear"),
    "show-reads": bool("resources read in"),
    "skip-preview": bool("no preview first"),
    "suppress-outputs": bool("no stack outputs"),
    "suppress-progress": bool("no progress dots"),
    "show-full-output": bool("inputs and outputs in full"),
    "suppress-permalink": bool("no permalink"),
    yes: bool("approve without asking"),
    "continue-on-error": bool("continue past errors"),
    "attach-debugger": value("attach a debugger", true),
    strict: bool("constrain the update to its preview's plan"),
    neo: bool("Pulumi Neo's assistance"),
};

// `npm run harness -- up|preview|destroy|refresh <stack> [--config key=value ...] [--project-dir DIR]`
//
// Drives the engine double by hand. It is a TEST DOUBLE for `pulumi up` and the Docker
// provider, not a deployment path: deploy real tenants with the Pulumi CLI (see docs/deploy.md).
import * as path from "path";
import { REAL_TENANT_IMAGES_CONFIG } from "../images/frontbase";
import { TEST_PROXY_IMAGE } from "../images/images";
import { PROXY_STACK } from "../../components/proxy/routes";
import { destroy, EngineError, EngineOptions, EngineResult, preview, refreshStack, up } from "./engine";
import { readProject } from "./project";
import { changesOf, diagnosticLine, diffLines, outputsText, stepLine, summary } from "./progress";
import { stackConfig } from "./stackConfig";

const USAGE = `usage: npm run harness -- up|preview|destroy|refresh <stack> [options]
  --config key=value    stack config (overrides Pulumi.<stack>.yaml); "frontbase:" is implied
  --secret key=value    secret stack config (secure values in the stack file are decrypted with PULUMI_CONFIG_PASSPHRASE)
  --project-dir DIR     the Pulumi project (default: the current directory's project)
  --state-dir DIR       where the double keeps stack state (default test/.state)
  --test-images         use the images of \`npm run images:test\` (frontbase:images): the real Frontbase
                        backend, edge and frontend, Debian's redis and postgres, the redis-http stand-in;
                        for the stack \`proxy\`, Debian's caddy (frontbase:image)
  --refresh             read every resource back from Docker first (the default; --no-refresh trusts the state file)
  --no-refresh          trust the state file even if Docker objects were removed or changed
  --expect-no-changes   preview: exit 1 if any resource would change (the nightly drift check)
  --replace URN         up: replace this resource whatever its diff (repeatable)
  --verbose             also show debug diagnostics and the runner's own output`;

const OPS = ["up", "preview", "destroy", "refresh"] as const;

interface Args {
    op: (typeof OPS)[number];
    expectNoChanges: boolean;
    replace: string[];
    stack: string;
    config: Record<string, string>;
    secrets: Record<string, string>;
    projectDir: string;
    stateDir?: string;
    refresh: boolean;
    verbose: boolean;
}

function parseArgs(argv: string[]): Args {
    const [op, stack, ...rest] = argv;
    if (!(OPS as readonly string[]).includes(op) || !stack || stack.startsWith("-")) throw new Error(USAGE);
    const a: Args = {
        op: op as Args["op"],
        stack,
        config: {},
        secrets: {},
        projectDir: process.cwd(),
        refresh: true,
        verbose: false,
        expectNoChanges: false,
        replace: [],
    };
    for (let i = 0; i < rest.length; i++) {
        const flag = rest[i];
        const value = () => {
            const v = rest[++i];
            if (v === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
            return v;
        };
        const pair = (target: Record<string, string>) => {
            const v = value();
            const eq = v.indexOf("=");
            if (eq <= 0) throw new Error(`${flag} ${v}: expected key=value`);
            target[v.slice(0, eq)] = v.slice(eq + 1);
        };
        if (flag === "--config") pair(a.config);
        else if (flag === "--secret") pair(a.secrets);
        else if (flag === "--project-dir") a.projectDir = path.resolve(value());
        else if (flag === "--state-dir") a.stateDir = path.resolve(value());
        // The proxy stack has one image, the caddy of `npm run images:test`.
        else if (flag === "--test-images")
            Object.assign(
                a.config,
                stack === PROXY_STACK ? { "frontbase:image": TEST_PROXY_IMAGE } : { "frontbase:images": REAL_TENANT_IMAGES_CONFIG },
            );
        else if (flag === "--no-refresh") a.refresh = false;
        else if (flag === "--refresh") a.refresh = true;
        else if (flag === "--expect-no-changes") a.expectNoChanges = true;
        else if (flag === "--replace") a.replace.push(value());
        else if (flag === "--verbose") a.verbose = true;
        else throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
    if (a.expectNoChanges && a.op !== "preview") throw new Error(`--expect-no-changes is for preview\n${USAGE}`);
    if (a.replace.length > 0 && a.op !== "up" && a.op !== "preview") throw new Error(`--replace is for up and preview\n${USAGE}`);
    return a;
}

function report(r: EngineResult): void {
    console.log(
        `\n${r.operation} ${summary(r.steps)} in ${(r.totalMs / 1000).toFixed(1)}s` +
            (r.runner ? ` (runner ${(r.runner.ms / 1000).toFixed(1)}s, program loaded after ${((r.loadMs ?? 0) / 1000).toFixed(1)}s)` : ""),
    );
    if (r.operation !== "destroy" && r.operation !== "refresh") console.log(`outputs:\n${outputsText(r.outputs)}`);
}

async function main(): Promise<number> {
    const a = parseArgs(process.argv.slice(2));
    const project = readProject(a.projectDir);
    const { config, secretKeys } = await stackConfig(a.projectDir, project.name, a.stack, a);
    console.log(`${a.op} ${project.name}/${a.stack} with the engine double (a test double for \`pulumi ${a.op}\`, not a deployment path)`);
    const opts: EngineOptions = {
        projectDir: a.projectDir,
        stack: a.stack,
        config,
        secretKeys,
        stateDir: a.stateDir,
        refresh: a.refresh,
        replace: a.replace,
        onStep: (s) => console.log([stepLine(s), ...diffLines(s)].join("\n")),
        onLog: (urn, m) => console.log(`      ${urn.split("::").pop()}: ${m}`),
        onDiagnostic: (d) => (a.verbose || d.severity !== "debug" ? console.log(diagnosticLine(d)) : undefined),
        onOutput: a.verbose ? (stream, t) => process[stream].write(t) : undefined,
    };
    const run = { up, preview, destroy, refresh: refreshStack }[a.op];
    try {
        const r = await run(opts);
        report(r);
        if (a.expectNoChanges) {
            const changes = changesOf(r.steps);
            if (changes.length > 0) {
                console.error(`\nerror: no changes were expected but changes were proposed (${changes.length} resource(s)):`);
                for (const s of changes) console.error([stepLine(s), ...diffLines(s)].join("\n"));
                return 1;
            }
        }
        return 0;
    } catch (e) {
        if (!(e instanceof EngineError)) throw e;
        console.error(`\n${e.message}`);
        return 1;
    }
}

main().then(
    (code) => process.exit(code),
    (e) => {
        console.error((e as Error).message);
        process.exit(2);
    },
);

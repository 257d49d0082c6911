// The sample outputs of docs/ports.md, produced by the real commands (see test/support/docSamples.ts).
import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { checkDeploy, DeployCheckError } from "../../../ports/deployCheck";
import { session, tenantLabels } from "../../support/docSamples";

const DEV = `# The ready \`dev\` stack.
config:
  frontbase:tenant: dev
  frontbase:ports:
    backend: 8000
    edge: 3002
    frontend: 8080
    redisHttp: 8079
`;
const bind = (internal: number, port: number) => ({ [`${internal}/tcp`]: [{ HostIp: "", HostPort: String(port) }] });

/** The worked example: dev pinned; legacy's stopped frontend on 8085; it-try2's backend on 18001; a listener on 8003. */
export async function portsExample(): Promise<Record<string, string>> {
    const s = await session({
        files: { "Pulumi.dev.yaml": DEV },
        containers: [
            { name: "legacy_frontbase-frontend-1", state: "created", labels: tenantLabels("legacy", "frontend"), bindings: bind(80, 8085) },
            {
                name: "it-try2_frontbase-backend-1",
                state: "running",
                health: "healthy",
                labels: tenantLabels("it-try2", "backend"),
                bindings: bind(8000, 18001),
            },
        ],
        listeners: [{ port: 8003, address: "127.0.0.1", pid: 4242, command: "python3" }],
        env: { PULUMI_CONFIG_PASSPHRASE: "correct horse battery staple" },
    });
    try {
        const file = (name: string) => path.join(s.projectDir, name);
        const out: Record<string, string> = {};
        out["ports-new"] = [await s.tenant(["new", "tenant1"]), await s.tenant(["new", "tenant2", "--database", "postgres"])].join("\n\n");
        out["ports-new"] += `\n\n${s.shown(`$ cat Pulumi.tenant1.yaml\n${readFileSync(file("Pulumi.tenant1.yaml"), "utf8").trimEnd()}`)}`;
        out["ports-again"] = [
            await s.tenant(["new", "tenant1"]),
            await s.tenant(["new", "tenant1", "--force"]),
            await s.tenant(["new", "tenant2", "--force", "--json"]),
        ].join("\n\n");
        out["ports-dry-run"] = await s.tenant(["new", "tenant3", "--dry-run"]);
        out["ports-ls"] = await s.tenant(["ls"]);
        const ok = await s.tenant(["check"]);
        const edit = "s/backend: 8002/backend: 8001/; s/frontend: 8083/frontend: 7000/";
        const t2 = file("Pulumi.tenant2.yaml");
        writeFileSync(t2, readFileSync(t2, "utf8").replace("backend: 8002", "backend: 8001").replace("frontend: 8083", "frontend: 7000"));
        out["ports-check"] = [ok, `$ sed -i '${edit}' Pulumi.tenant2.yaml\n${await s.tenant(["check"])}`].join("\n\n");
        return out;
    } finally {
        await s.close();
    }
}

/** The program's deploy check (stacks/tenant.ts): stack a pins 9703, which b's stack file pins too. */
export async function portsDeployCheck(): Promise<Record<string, string>> {
    const pins = (backend: number, frontend: number) =>
        `config:\n  frontbase:ports:\n    backend: ${backend}\n    edge: 3703\n    frontend: ${frontend}\n    redisHttp: 8779\n`;
    const s = await session({
        files: {
            "Pulumi.a.yaml": pins(9703, 8703),
            "Pulumi.b.yaml": pins(9704, 9703).replace("edge: 3703", "edge: 3704").replace("8779", "8780"),
        },
        listeners: [],
    });
    try {
        const problems = await checkDeploy({
            stack: "a",
            tenant: "a",
            pinned: { backend: 9703, edge: 3703, frontend: 8703, redisHttp: 8779 },
            projectDir: s.projectDir,
            dockerHost: s.engine.host,
            procRoot: path.join(s.projectDir, "no-proc"),
            ledgerFile: path.join(s.projectDir, "no-ledger.json"),
        });
        return { "ports-deploy-check": s.shown(new DeployCheckError("a", problems).message) };
    } finally {
        await s.close();
    }
}

/** A full range: t3's edge range 3002-3011, eight ports held by processes, two pinned by other tenants. */
export async function portsExhausted(): Promise<Record<string, string>> {
    const edge = (port: number, other: number) =>
        `config:\n  frontbase:ports:\n    backend: ${other}\n    edge: ${port}\n    frontend: ${other + 1}\n    redisHttp: ${other + 2}\n`;
    const s = await session({
        files: {
            "Pulumi.t3.yaml": 'config:\n  frontbase:portRanges:\n    edge: "3002-3011"\n',
            "Pulumi.a.yaml": edge(3010, 8100),
            "Pulumi.b.yaml": edge(3011, 8200),
        },
        listeners: [3002, 3003, 3004, 3005, 3006, 3007, 3008, 3009].map((port) => ({ port })),
    });
    try {
        return { "ports-exhausted": await s.tenant(["new", "t3", "--dry-run"]) };
    } finally {
        await s.close();
    }
}

// A real tenant as the suites that use the real application hold it: made by `tenant new`
// (credentials in its stack file as secure values), loaded as `pulumi up` would hand it to the
// program, and reached through its frontend port as a browser would.
import * as path from "path";
import { readStackFile } from "../../../project/stackFiles";
import { decryptStackSecrets } from "../../../project/stackSecrets";
import { REAL_TENANT_IMAGES } from "../../images/frontbase";

export interface RealTenant {
    readonly name: string;
    readonly database: "sqlite" | "postgres";
    config: Record<string, string>;
    secretKeys: string[];
    frontend: number;
    adminPassword: string;
    /** Where its frontend port is published: this machine, or a swarm node's address. */
    host?: string;
}

export function realTenant(name: string, database: "sqlite" | "postgres"): RealTenant {
    return { name, database, config: {}, secretKeys: [], frontend: 0, adminPassword: "" };
}

/** What `pulumi up` would hand the program: the stack file, its secrets decrypted, plus the test images on loopback. */
export async function loadStackFile(projectDir: string, t: RealTenant): Promise<void> {
    const file = path.join(projectDir, `Pulumi.${t.name}.yaml`);
    const secrets = (await decryptStackSecrets(file, process.env))!;
    const plain = (await readStackFile(file)).config;
    t.config = {
        ...plain,
        ...secrets,
        "frontbase:images": JSON.stringify(REAL_TENANT_IMAGES),
        "frontbase:bindAddress": "127.0.0.1",
        "frontbase:healthInterval": "2",
    };
    t.secretKeys = Object.keys(secrets);
    t.frontend = JSON.parse(plain["frontbase:ports"]).frontend;
    t.adminPassword = secrets["frontbase:adminPassword"];
}

/** One request to the tenant's frontend port, as a browser would send it. */
export async function web(
    t: Pick<RealTenant, "frontend" | "host">,
    urlPath: string,
    init: { method?: string; json?: unknown; cookie?: string } = {},
) {
    const headers: Record<string, string> = {};
    if (init.json !== undefined) headers["content-type"] = "application/json";
    if (init.cookie) headers.cookie = init.cookie;
    const res = await fetch(`http://${t.host ?? "127.0.0.1"}:${t.frontend}${urlPath}`, {
        method: init.method ?? "GET",
        headers,
        body: init.json === undefined ? undefined : JSON.stringify(init.json),
        signal: AbortSignal.timeout(20_000),
    });
    return { status: res.status, text: await res.text(), cookie: res.headers.get("set-cookie")?.split(";")[0] };
}

/** The real tenant's services, in start order. */
export function realServices(t: Pick<RealTenant, "database">): string[] {
    return t.database === "postgres"
        ? ["postgres", "redis", "redis-http", "backend", "edge", "frontend"]
        : ["redis", "redis-http", "backend", "edge", "frontend"];
}

// The host's proxy (stacks/proxy.ts) for a suite that needs it cheaply: Caddy with its own CA
// (`frontbase:tls: internal`, no ACME server), on loopback's 80 and 443; removeProxy() (./docker) removes it.
import { execFile } from "child_process";
import * as net from "net";
import { promisify } from "util";
import { PROXY_CONTAINER, PROXY_LABEL } from "../../../components/proxy/naming";
import { writeStackFile } from "../../../project/stackFiles";
import { TEST_PROXY_IMAGE } from "../../images/images";
import { docker } from "./docker";
import { getThroughProxy, ProxyAnswer } from "./https";

const run = promisify(execFile);

/** Where Caddy keeps its own CA's root, in its data volume (XDG_DATA_HOME=/data). */
const INTERNAL_ROOT = "/data/caddy/pki/authorities/local/root.crt";

export const LOCAL_PROXY_CONFIG = {
    "frontbase:tls": "internal",
    "frontbase:image": TEST_PROXY_IMAGE,
    "frontbase:bindAddress": "127.0.0.1",
};

function free(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const s = net
            .createServer()
            .once("error", () => resolve(false))
            .listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });
}

/** Writes `Pulumi.proxy.yaml`; refuses when 80 or 443 is taken or a proxy already runs on this Docker host (not ours). */
export async function prepareLocalProxy(projectDir: string): Promise<Record<string, string>> {
    for (const p of [80, 443]) if (!(await free(p))) throw new Error(`port ${p} on 127.0.0.1 is in use: the proxy needs 80 and 443`);
    if ((await docker.listContainers({ all: true, filters: { label: [`${PROXY_LABEL}=true`] } })).length > 0)
        throw new Error("a proxy already runs on this Docker host (label frontbase.proxy=true): not ours to replace");
    await writeStackFile(projectDir, "proxy", LOCAL_PROXY_CONFIG);
    return { ...LOCAL_PROXY_CONFIG };
}

/** One HTTPS request for `domain` through the proxy on loopback, trusting only Caddy's own CA. */
export async function getLocal(domain: string, urlPath: string, timeoutMs = 10_000): Promise<ProxyAnswer> {
    const { stdout: ca } = await run("docker", ["exec", PROXY_CONTAINER, "cat", INTERNAL_ROOT], { timeout: 30_000 });
    return getThroughProxy("127.0.0.1", domain, urlPath, ca, timeoutMs);
}

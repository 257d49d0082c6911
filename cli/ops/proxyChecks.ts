// The host's proxy stack (`Pulumi.proxy.yaml`) in `npm run deploy`'s two checks. It has no
// tenant, no tenant config and no health-checked services, so preflight and verify ask other
// questions of it:
// - before `pulumi up`: is its config valid, and do the tenants' stack files give routes without
//   a problem (the same parse and the same route check the proxy program makes, stacks/proxy.ts);
// - after: does Caddy run, and did the reload job exit 0? The provider does not look at a job's
//   exit code (kreuzwerker v4.5.0 waits only until the container stops), so a Caddyfile that
//   Caddy refused would otherwise leave `pulumi up` green with the old routes in place.
import type Docker from "dockerode";
import { parseProxyConfig } from "../../components/proxy/config";
import { PROXY_CONTAINER, PROXY_RELOAD_CONTAINER } from "../../components/proxy/naming";
import { fleetRoutes } from "../../components/proxy/routes";
import { unlessGone } from "../../docker/containers";
import { existsSync } from "fs";
import * as path from "path";
import { PROXY_STACK } from "../../components/naming";
import { listStackFiles, readStackFile, stackFileName } from "../../project/stackFiles";

/** The proxy stack's own file, as the fleet check judges it: readable, and a valid proxy config (no tenant keys). None when there is no file. */
export async function proxyFileProblems(projectDir: string): Promise<string[]> {
    const file = path.join(projectDir, stackFileName(PROXY_STACK));
    if (!existsSync(file)) return [];
    try {
        parseProxyConfig((await readStackFile(file)).config);
        return [];
    } catch (e) {
        const problems = (e as { problems?: readonly string[] }).problems;
        return problems ? problems.map((p) => `${file}: ${p}`) : [(e as Error).message];
    }
}

/** Problems that stop the proxy's deploy, each naming the field or the stack files involved. */
export async function proxyConfigProblems(projectDir: string, raw: Readonly<Record<string, string>>): Promise<string[]> {
    const problems: string[] = [];
    try {
        parseProxyConfig(raw);
    } catch (e) {
        problems.push(...((e as { problems?: readonly string[] }).problems ?? [(e as Error).message]));
    }
    const files = await Promise.all((await listStackFiles(projectDir)).map((f) => readStackFile(f)));
    problems.push(...fleetRoutes(files).problems);
    return problems;
}

type State = Pick<Docker.ContainerInspectInfo["State"], "Status" | "ExitCode">;

export interface ProxyVerdict {
    readonly healthy: boolean;
    /** The reload job has not finished yet: worth waiting for. */
    readonly pending: boolean;
    readonly problems: readonly string[];
}

/** Pure: Caddy must run; the reload job must have exited 0. */
export function proxyVerdict(caddy: State | undefined, reload: State | undefined): ProxyVerdict {
    const problems: string[] = [];
    if (!caddy) problems.push(`${PROXY_CONTAINER} missing: run pulumi up --stack proxy`);
    else if (caddy.Status !== "running")
        problems.push(`${PROXY_CONTAINER} is ${caddy.Status} (exit code ${caddy.ExitCode}): see docker logs ${PROXY_CONTAINER}`);
    const pending = reload !== undefined && (reload.Status === "created" || reload.Status === "running");
    if (!reload) problems.push(`${PROXY_RELOAD_CONTAINER} missing: run pulumi up --stack proxy`);
    else if (!pending && reload.ExitCode !== 0)
        problems.push(
            `${PROXY_RELOAD_CONTAINER} exited with ${reload.ExitCode}: Caddy kept its previous routes; see docker logs ${PROXY_RELOAD_CONTAINER}`,
        );
    return { healthy: problems.length === 0 && !pending, pending, problems };
}

export async function readProxy(docker: Docker): Promise<ProxyVerdict> {
    const [caddy, reload] = await Promise.all(
        [PROXY_CONTAINER, PROXY_RELOAD_CONTAINER].map((n) => unlessGone(() => docker.getContainer(n).inspect())),
    );
    return proxyVerdict(caddy?.State, reload?.State);
}

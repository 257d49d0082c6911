// The proxy stack program (`pulumi up --stack proxy`): its config, plus the routes derived from
// every tenant stack file in the project -> ProxyStack -> outputs.
import * as pulumi from "@pulumi/pulumi";
import { parseProxyConfig } from "../components/proxy/config";
import { routesFromStackFiles } from "../components/proxy/routes";
import { ProxyStack } from "../components/proxy/ProxyStack";
import { listStackFiles, readStackFile } from "../project/stackFiles";
import { findProjectDir } from "../project/project";

export { PROXY_STACK } from "../components/proxy/routes";

export async function proxyProgram(projectDir: string = findProjectDir()) {
    // Config and routes are checked in full before anything is declared.
    const { config, routes } = await (async () => {
        try {
            const config = parseProxyConfig(pulumi.runtime.allConfig());
            return {
                config,
                routes: routesFromStackFiles(await Promise.all((await listStackFiles(projectDir)).map((f) => readStackFile(f)))),
            };
        } catch (e) {
            throw new pulumi.RunError((e as Error).message);
        }
    })();
    const proxy = new ProxyStack("proxy", { config, routes });
    return { routes: proxy.routes, caddyfile: proxy.caddyfile, container: proxy.container.name, volumes: proxy.volumes };
}

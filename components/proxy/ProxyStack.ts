// The host's proxy: one Caddy container in front of every tenant that has domains.
//
// How it reaches tenants: Caddy runs with host networking and dials each tenant's frontend on
// its loopback host port (127.0.0.1:<ports.frontend>). It joins no tenant network, so tenants
// stay as isolated from one another as without it, and tenants with domains publish on
// 127.0.0.1 only. (A bridged Caddy could reach the host only through the gateway address,
// where loopback-bound ports are not reachable, so tenants would have to face the network.)
//
// How routes change without a restart: the Caddyfile is not an input of the Caddy container
// (every container input that carries content, env, labels, command, uploads, is ForceNew in
// the provider, kreuzwerker v4.5.0). A one-shot reload job carries it instead and posts it to
// Caddy's admin API (`caddy reload`), which swaps the config in place, listeners kept. The
// admin API listens on a unix socket in the proxy's config volume, shared with the job only:
// on no network interface at all. Caddy autosaves what it was given and starts with
// `--resume`, so a restarted or replaced container comes back with the last routes.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { goDuration } from "../healthChecks";
import { LOG_OPTS, ONE_SHOT_JOB } from "../containers";
import { labelList } from "../labels";
import { ADMIN_ADDRESS, ADMIN_SOCKET, ACME_CA_ROOT_FILE, renderCaddyfile } from "./caddyfile";
import { ProxyConfig } from "./config";
import * as naming from "./naming";
import { Route } from "./routes";

export const PROXY_STACK_TYPE = "frontbase:index:ProxyStack";
/** A suspended tenant's domains, in the `routes` output: answered by the proxy with 503. */
export const SUSPENDED = "suspended (503)";

export interface ProxyStackArgs {
    /** Validated proxy config (components/proxy/config.ts). */
    readonly config: ProxyConfig;
    /** One route per tenant with domains, from the tenant stack files (routes.ts). */
    readonly routes: readonly Route[];
}

/** Certificates and ACME accounts (XDG_DATA_HOME) and the autosaved config (XDG_CONFIG_HOME). */
const DATA = "/data";
const CONFIG = "/config";
const XDG = [`XDG_CONFIG_HOME=${CONFIG}`, `XDG_DATA_HOME=${DATA}`];

/** Start with the last config Caddy was given (--resume); the first time, only the admin socket. */
export const CADDY_START = [
    "sh",
    "-c",
    [
        "set -eu",
        // A socket left by the previous container would make the listen fail.
        `rm -f ${ADMIN_SOCKET}`,
        `printf '%s' '{"admin":{"listen":"${ADMIN_ADDRESS}"}}' > /tmp/bootstrap.json`,
        "exec caddy run --resume --config /tmp/bootstrap.json",
    ].join("\n"),
];

/** Hand Caddy the Caddyfile through its admin socket; the CA root goes into the shared volume. */
export const RELOAD_SCRIPT = [
    "sh",
    "-c",
    [
        "set -eu",
        `printf '%s' "$CADDYFILE" > /tmp/Caddyfile`,
        `if [ -n "\${ACME_CA_ROOT:-}" ]; then printf '%s\\n' "$ACME_CA_ROOT" > ${ACME_CA_ROOT_FILE}.new && mv ${ACME_CA_ROOT_FILE}.new ${ACME_CA_ROOT_FILE}; fi`,
        `i=0; until [ -S ${ADMIN_SOCKET} ]; do i=$((i+1)); if [ $i -gt 60 ]; then echo "no admin socket at ${ADMIN_SOCKET} after 60 s" >&2; exit 1; fi; sleep 1; done`,
        `caddy reload --config /tmp/Caddyfile --adapter caddyfile --address ${ADMIN_ADDRESS}`,
        `echo "proxy config loaded: $ROUTES"`,
    ].join("\n"),
];

export class ProxyStack extends pulumi.ComponentResource {
    public readonly caddyfile: string;
    public readonly routes: Record<string, string>;
    public readonly container: docker.Container;
    public readonly reload: docker.Container;
    public readonly volumes: Record<"data" | "config", pulumi.Output<string>>;

    constructor(name: string, args: ProxyStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super(PROXY_STACK_TYPE, name, {}, opts);
        this.caddyfile = renderCaddyfile(args.config, args.routes);
        this.routes = Object.fromEntries(
            args.routes.flatMap((r) =>
                r.domains.map((d) => [d, r.suspended ? SUSPENDED : [r.upstream, r.slot2].filter(Boolean).join(" ")]),
            ),
        );
        const image = new docker.RemoteImage(`${name}-image`, { name: args.config.image, keepLocally: true }, { parent: this });
        const volumes = createVolumes(name, this);
        this.container = createCaddy(name, { config: args.config, image, volumes }, this);
        this.reload = createReloadJob(
            name,
            { config: args.config, caddyfile: this.caddyfile, routes: args.routes, image, volumes, caddy: this.container },
            this,
        );
        this.volumes = { data: volumes.data.name, config: volumes.config.name };
        this.registerOutputs({ caddyfile: this.caddyfile, routes: this.routes, volumes: this.volumes });
    }
}

interface Volumes {
    readonly data: docker.Volume;
    readonly config: docker.Volume;
}

/** Kept on destroy: a new proxy reuses the certificates instead of asking the CA again. */
export function createVolumes(name: string, parent: pulumi.Resource): Volumes {
    const volume = (which: "data" | "config") =>
        new docker.Volume(
            `${name}-${which}`,
            { name: naming.proxyVolumeName(which), labels: labelList(naming.proxyLabels()) },
            { parent, retainOnDelete: true },
        );
    return { data: volume("data"), config: volume("config") };
}

interface CaddyInputs {
    readonly config: ProxyConfig;
    readonly image: docker.RemoteImage;
    readonly volumes: Volumes;
}

export function createCaddy(name: string, i: CaddyInputs, parent: pulumi.Resource): docker.Container {
    return new docker.Container(
        `${name}-caddy`,
        {
            name: naming.PROXY_CONTAINER,
            image: i.image.imageId,
            entrypoints: [...CADDY_START],
            envs: [...XDG],
            // Host networking: Caddy binds 80 and 443 itself and dials tenants on loopback.
            networkMode: "host",
            mounts: [
                { type: "volume", source: i.volumes.data.name, target: DATA },
                { type: "volume", source: i.volumes.config.name, target: CONFIG },
            ],
            healthcheck: {
                tests: ["CMD", "test", "-S", ADMIN_SOCKET],
                interval: goDuration(5),
                timeout: goDuration(3),
                retries: 3,
                startPeriod: goDuration(0),
            },
            wait: true,
            waitTimeout: 60,
            restart: "unless-stopped",
            memory: i.config.memory,
            memorySwap: i.config.memory,
            // Caddy finishes requests in flight on SIGTERM.
            destroyGraceSeconds: 10,
            logDriver: "json-file",
            logOpts: LOG_OPTS,
            securityOpts: ["no-new-privileges:true"],
            labels: labelList(naming.proxyLabels("caddy")),
        },
        { parent, deleteBeforeReplace: true, replaceOnChanges: ["healthcheck"] },
    );
}

interface ReloadInputs {
    readonly config: ProxyConfig;
    readonly caddyfile: string;
    readonly routes: readonly Route[];
    readonly image: docker.RemoteImage;
    readonly volumes: Volumes;
    readonly caddy: docker.Container;
}

/**
 * Runs once per Caddyfile (its env is ForceNew, so a new Caddyfile re-runs it) and once per
 * Caddy container (its label carries the container's ID), then stays exited. The provider does
 * not check its exit code: `docker logs frontbase_proxy-reload-1` shows what Caddy said.
 */
export function createReloadJob(name: string, i: ReloadInputs, parent: pulumi.Resource): docker.Container {
    const to = (r: Route) => (r.suspended ? SUSPENDED : [r.upstream, r.slot2].filter(Boolean).join("|"));
    const routes = i.routes.map((r) => `${r.domains.join(",")}->${to(r)}`).join(" ") || "(none)";
    return new docker.Container(
        `${name}-reload`,
        {
            name: naming.PROXY_RELOAD_CONTAINER,
            image: i.image.imageId,
            entrypoints: [...RELOAD_SCRIPT],
            envs: [
                `CADDYFILE=${i.caddyfile}`,
                `ROUTES=${routes}`,
                ...(i.config.acmeCaRoot ? [`ACME_CA_ROOT=${i.config.acmeCaRoot}`] : []),
                ...XDG,
            ].sort(),
            networkMode: "none",
            mounts: [{ type: "volume", source: i.volumes.config.name, target: CONFIG }],
            ...ONE_SHOT_JOB,
            securityOpts: [...ONE_SHOT_JOB.securityOpts],
            labels: i.caddy.id.apply((id) => labelList({ ...naming.proxyLabels("reload"), [naming.FOLLOWS_CADDY_LABEL]: id })),
        },
        { parent, deleteBeforeReplace: true, dependsOn: [i.caddy] },
    );
}

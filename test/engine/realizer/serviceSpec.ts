// docker:index/service:Service, the pure half: the program's inputs -> the Engine API's
// ServiceSpec (what the provider sends), and ServiceInspect -> the state (what its Read writes).
// A TEST DOUBLE of kreuzwerker/terraform-provider-docker v4.5.0 internal/provider/:
// [T] resource_docker_service_structures.go, [S] resource_docker_service.go (schema). The
// audit with line numbers is docs/swarm-audit.md.
import { durationNs, goDurationString } from "./durations";
import { labelMap, labelSet, State } from "./provider";

/** [T] `shortDur`: Go's Duration.String() with a trailing "m0s" -> "m", then "h0m" -> "h". */
export function shortDur(ns: number): string {
    let s = goDurationString(ns);
    if (s.endsWith("m0s")) s = s.slice(0, -2);
    if (s.endsWith("h0m")) s = s.slice(0, -2);
    return s;
}

const ns = (d: string | undefined) => durationNs(d) ?? 0;

/**
 * The Go client's `imageWithTagString` (moby client/service_create.go), which ServiceCreate and
 * ServiceUpdate apply: the familiar form, `:latest` added to a bare name. The digest pinning of
 * Create (`QueryRegistry`) needs a registry; none is reachable here, and the client then only
 * warns and keeps the reference, which is what the double does.
 */
export function familiarImage(ref: string): string {
    let r = ref.replace(/^docker\.io\/library\//, "").replace(/^docker\.io\//, "");
    const lastPart = r.slice(r.lastIndexOf("/") + 1);
    if (!r.includes("@") && !lastPart.includes(":")) r = `${r}:latest`;
    return r;
}

/** [T] `createServiceSpec` -> `createServiceTaskSpec`, `createContainerSpec`, ... for the inputs the schema has. */
export function serviceSpecOf(i: State): Record<string, unknown> {
    const ts = i.taskSpec ?? {};
    const cs = ts.containerSpec ?? {};
    const hc = cs.healthcheck;
    const rp = ts.restartPolicy;
    return {
        Name: i.name,
        Labels: labelMap(i.labels),
        TaskTemplate: {
            ContainerSpec: {
                Image: familiarImage(cs.image),
                Labels: labelMap(cs.labels),
                Command: cs.commands,
                Args: cs.args,
                Hostname: cs.hostname,
                Env: Object.entries(cs.env ?? {}).map(([k, v]) => `${k}=${v}`),
                Mounts: (cs.mounts ?? []).map((m: any) => ({
                    Type: m.type,
                    Source: m.source,
                    Target: m.target,
                    ReadOnly: m.readOnly ?? false,
                    ...(m.volumeOptions
                        ? {
                              VolumeOptions: {
                                  NoCopy: m.volumeOptions.noCopy ?? false,
                                  Labels: labelMap(m.volumeOptions.labels),
                                  ...(m.volumeOptions.driverName
                                      ? { DriverConfig: { Name: m.volumeOptions.driverName, Options: m.volumeOptions.driverOptions ?? {} } }
                                      : {}),
                              },
                          }
                        : {}),
                })),
                // createContainerSpec always sends these (zero values from the SDK when unset).
                StopGracePeriod: ns(cs.stopGracePeriod),
                Healthcheck: hc
                    ? {
                          Test: hc.tests,
                          Interval: ns(hc.interval),
                          Timeout: ns(hc.timeout),
                          StartPeriod: ns(hc.startPeriod),
                          Retries: hc.retries ?? 0,
                      }
                    : {},
                DNSConfig: {},
                Init: cs.init ?? false,
                Isolation: "default",
            },
            Resources: {
                ...(ts.resources?.limits
                    ? { Limits: { MemoryBytes: ts.resources.limits.memoryBytes ?? 0, NanoCPUs: ts.resources.limits.nanoCpus ?? 0 } }
                    : {}),
                ...(ts.resources?.reservation
                    ? {
                          Reservations: {
                              MemoryBytes: ts.resources.reservation.memoryBytes ?? 0,
                              NanoCPUs: ts.resources.reservation.nanoCpus ?? 0,
                          },
                      }
                    : {}),
            },
            // createRestartPolicy: unset delay and window go out as 0.
            RestartPolicy: rp
                ? { Condition: rp.condition, Delay: ns(rp.delay), MaxAttempts: rp.maxAttempts ?? 0, Window: ns(rp.window) }
                : {},
            Placement: {
                Constraints: ts.placement?.constraints ?? [],
                MaxReplicas: ts.placement?.maxReplicas ?? 0,
                Platforms: (ts.placement?.platforms ?? []).map((p: any) => ({ Architecture: p.architecture, OS: p.os })),
            },
            ForceUpdate: ts.forceUpdate ?? 0,
            Networks: (ts.networksAdvanceds ?? []).map((n: any) => ({ Target: n.id ?? n.name, Aliases: n.aliases ?? [], DriverOpts: {} })),
            ...(ts.logDriver ? { LogDriver: { Name: ts.logDriver.name, Options: ts.logDriver.options ?? {} } } : {}),
        },
        Mode: i.mode?.global ? { Global: {} } : { Replicated: { Replicas: i.mode?.replicated?.replicas ?? 1 } },
        ...(i.updateConfig ? { UpdateConfig: updateConfigOf(i.updateConfig) } : {}),
        ...(i.rollbackConfig ? { RollbackConfig: updateConfigOf(i.rollbackConfig) } : {}),
        EndpointSpec: {
            Mode: i.endpointSpec?.mode ?? "",
            Ports: (i.endpointSpec?.ports ?? []).map((p: any) => ({
                Name: p.name ?? "",
                Protocol: p.protocol ?? "tcp",
                TargetPort: p.targetPort,
                PublishedPort: p.publishedPort ?? 0,
                PublishMode: p.publishMode ?? "ingress",
            })),
        },
    };
}

/** [T] `createUpdateOrRollbackConfig`. */
function updateConfigOf(u: any) {
    return {
        Parallelism: u.parallelism ?? 0,
        Delay: ns(u.delay),
        FailureAction: u.failureAction ?? "",
        Monitor: ns(u.monitor),
        MaxFailureRatio: Number(u.maxFailureRatio ?? 0),
        Order: u.order ?? "",
    };
}

/**
 * Go's `strconv.FormatFloat(float64(f32), 'f', 1, 64)`: the float32's exact binary value rounded
 * to one decimal, a tie to even (0.25 -> "0.2", where JavaScript's toFixed gives "0.3").
 */
export function goFixed1(v: number): string {
    const exact = Math.fround(v);
    const scaled = exact * 10;
    const floor = Math.floor(scaled);
    const rest = scaled - floor;
    // exact * 10 is exact in a double for a float32's value up to 2^29, so the tie test is too.
    const n = rest > 0.5 || (rest === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
    return (n / 10).toFixed(1);
}

/** [T] `flattenServiceUpdateOrRollbackConfig`: nothing when Docker holds none; the ratio with one decimal. */
function flattenUpdateConfig(u: any): State | undefined {
    if (!u) return undefined;
    return {
        parallelism: u.Parallelism ?? 0,
        delay: shortDur(u.Delay ?? 0),
        failureAction: u.FailureAction ?? "",
        monitor: shortDur(u.Monitor ?? 0),
        maxFailureRatio: goFixed1(u.MaxFailureRatio ?? 0),
        order: u.Order ?? "",
    };
}

const envMap = (env: readonly string[] | undefined) =>
    Object.fromEntries((env ?? []).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));

/** [T] `flattenContainerSpec`: each field only when Docker holds a non-empty value, init only for API >= 1.37. */
function flattenContainerSpec(c: any): State {
    const out: State = {};
    if (c.Image) out.image = c.Image;
    if (c.Labels && Object.keys(c.Labels).length > 0) out.labels = labelSet(c.Labels);
    if (c.Command?.length) out.commands = c.Command;
    if (c.Args?.length) out.args = c.Args;
    if (c.Hostname) out.hostname = c.Hostname;
    if (c.Env?.length) out.env = envMap(c.Env);
    if (c.ReadOnly) out.readOnly = true;
    if (c.Mounts?.length) {
        out.mounts = c.Mounts.map((m: any) => ({
            target: m.Target,
            source: m.Source,
            type: m.Type,
            readOnly: m.ReadOnly ?? false,
            ...(m.VolumeOptions
                ? {
                      volumeOptions: {
                          noCopy: m.VolumeOptions.NoCopy ?? false,
                          labels: labelSet(m.VolumeOptions.Labels),
                          ...(m.VolumeOptions.DriverConfig?.Name ? { driverName: m.VolumeOptions.DriverConfig.Name } : {}),
                          driverOptions: m.VolumeOptions.DriverConfig?.Options ?? {},
                      },
                  }
                : {}),
        }));
    }
    if (c.StopSignal) out.stopSignal = c.StopSignal;
    if (c.StopGracePeriod !== undefined) out.stopGracePeriod = shortDur(c.StopGracePeriod);
    // [T] flattenServiceHealthcheck: the durations always, the test only when set.
    if (c.Healthcheck)
        out.healthcheck = {
            ...(c.Healthcheck.Test?.length ? { tests: c.Healthcheck.Test } : {}),
            interval: shortDur(c.Healthcheck.Interval ?? 0),
            timeout: shortDur(c.Healthcheck.Timeout ?? 0),
            startPeriod: shortDur(c.Healthcheck.StartPeriod ?? 0),
            retries: c.Healthcheck.Retries ?? 0,
        };
    if (c.DNSConfig)
        out.dnsConfig = {
            nameservers: c.DNSConfig.Nameservers ?? [],
            searches: c.DNSConfig.Search ?? [],
            options: c.DNSConfig.Options ?? [],
        };
    if (c.Isolation) out.isolation = c.Isolation;
    if (c.Init !== undefined && c.Init !== null) out.init = c.Init;
    return out;
}

/** [T] `flattenTaskSpec` and the flatteners it calls; maxItems-1 blocks are objects on the Pulumi side. */
function flattenTaskSpec(t: any): State {
    const out: State = { containerSpec: flattenContainerSpec(t.ContainerSpec ?? {}) };
    if (t.Resources) {
        out.resources = {
            ...(t.Resources.Limits
                ? { limits: { nanoCpus: t.Resources.Limits.NanoCPUs ?? 0, memoryBytes: t.Resources.Limits.MemoryBytes ?? 0 } }
                : {}),
            ...(t.Resources.Reservations
                ? {
                      reservation: {
                          nanoCpus: t.Resources.Reservations.NanoCPUs ?? 0,
                          memoryBytes: t.Resources.Reservations.MemoryBytes ?? 0,
                      },
                  }
                : {}),
        };
    }
    if (t.RestartPolicy) {
        const r = t.RestartPolicy;
        out.restartPolicy = {
            ...(r.Condition ? { condition: r.Condition } : {}),
            ...(r.Delay !== undefined ? { delay: shortDur(r.Delay) } : {}),
            ...(r.MaxAttempts !== undefined ? { maxAttempts: r.MaxAttempts } : {}),
            ...(r.Window !== undefined ? { window: shortDur(r.Window) } : {}),
        };
    }
    if (t.Placement) {
        const p = t.Placement;
        out.placement = {
            ...(p.Constraints?.length ? { constraints: p.Constraints } : {}),
            ...(p.Platforms?.length ? { platforms: p.Platforms.map((x: any) => ({ architecture: x.Architecture, os: x.OS })) } : {}),
            maxReplicas: p.MaxReplicas ?? 0,
        };
    }
    out.forceUpdate = t.ForceUpdate ?? 0;
    if (t.Runtime) out.runtime = t.Runtime;
    // [T] flattenTaskNetworksAdvanced: the target (an ID, populateNetworkID) as `id`; `name` never.
    if (t.Networks?.length)
        out.networksAdvanceds = t.Networks.map((n: any) => ({
            id: n.Target,
            driverOpts: Object.entries(n.DriverOpts ?? {}).map(([k, v]) => `${k}=${v}`),
            ...(n.Aliases?.length ? { aliases: n.Aliases } : {}),
        }));
    if (t.LogDriver)
        out.logDriver = {
            name: t.LogDriver.Name,
            ...(t.LogDriver.Options && Object.keys(t.LogDriver.Options).length > 0 ? { options: t.LogDriver.Options } : {}),
        };
    return out;
}

/**
 * [F] `resourceDockerServiceReadRefreshFunc`: name, labels, task spec, mode, update and rollback
 * configs from the spec; the endpoint from the *runtime* endpoint (allocated published ports).
 */
export function stateFromInspect(s: any, prior: State): State {
    const spec = s.Spec ?? {};
    const endpoint = s.Endpoint?.Spec?.Mode
        ? { mode: s.Endpoint.Spec.Mode, ports: s.Endpoint.Ports ?? [] }
        : { mode: spec.EndpointSpec?.Mode ?? "", ports: spec.EndpointSpec?.Ports ?? [] };
    const state: State = {
        name: spec.Name,
        labels: labelSet(spec.Labels),
        taskSpec: flattenTaskSpec(spec.TaskTemplate ?? {}),
        mode: spec.Mode?.Global ? { global: true } : { replicated: { replicas: spec.Mode?.Replicated?.Replicas }, global: false },
        endpointSpec: {
            mode: endpoint.mode,
            ports: endpoint.ports.map((p: any) => ({
                name: p.Name ?? "",
                protocol: p.Protocol,
                targetPort: p.TargetPort,
                publishedPort: p.PublishedPort ?? 0,
                publishMode: p.PublishMode,
            })),
        },
        // Never read back ([F] Read sets neither): kept from the inputs.
        ...(prior.convergeConfig ? { convergeConfig: prior.convergeConfig } : {}),
        ...(prior.auth ? { auth: prior.auth } : {}),
    };
    const update = flattenUpdateConfig(spec.UpdateConfig);
    const rollback = flattenUpdateConfig(spec.RollbackConfig);
    if (update) state.updateConfig = update;
    if (rollback) state.rollbackConfig = rollback;
    return state;
}

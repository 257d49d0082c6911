// The engine double's entry points: preview, up and destroy of one stack.
//
// A TEST DOUBLE for the Pulumi engine and the Docker provider, not a deployment path: it runs
// the program through @pulumi/pulumi's real runner, so that what `pulumi up` would load is
// what gets tested, and makes what the program declares real on a local Docker Engine.
import Docker from "dockerode";
import { dockerClient, pingDocker, resolveDockerHost } from "../../docker/dockerHost";
import { Deployment, mergeOutputs } from "./deployment";
import { diffAgainstState } from "./realizer/schema";
import { decode, isSecret } from "./serialize";
import { readProject } from "./project";
import { applyProjectConfig, ProjectConfig, readProjectConfig } from "../../project/projectConfig";
import { providerFor } from "./realizer";
import { EXIT_ERROR_LOGGED, runRunner, RunnerResult } from "./runner";
import { Scrubber } from "./scrub";
import { replaceTargetErrors } from "./steps";
import { serve } from "./server";
import { DEFAULT_STATE_DIR, StackState, StateStore } from "./state";
import { Diagnostic, Registration, Step, WireMap } from "./types";

export type Operation = "preview" | "up" | "destroy" | "refresh";

export interface EngineOptions {
    /** Directory holding Pulumi.yaml (the project's real one, or a copy of it). */
    readonly projectDir: string;
    readonly stack: string;
    /** Stack config as Pulumi hands it to programs: `namespace:key` -> string. */
    readonly config?: Readonly<Record<string, string>>;
    /** Keys of `config` that are secrets (`frontbase:dbPassword`). */
    readonly secretKeys?: readonly string[];
    readonly stateDir?: string;
    /**
     * Read every resource back from Docker first, as `--refresh` does: state becomes what the
     * provider's Read derives, and objects that are gone leave it. Default true.
     */
    readonly refresh?: boolean;
    /** `pulumi up --replace <urn>`: replace these whatever their diff. */
    readonly replace?: readonly string[];
    readonly organization?: string;
    /** Kill a runner that has not finished by then (default 15 minutes). */
    readonly timeoutMs?: number;
    readonly onStep?: (s: Step) => void;
    readonly onLog?: (urn: string, message: string) => void;
    readonly onDiagnostic?: (d: Diagnostic) => void;
    readonly onOutput?: (stream: "stdout" | "stderr", text: string) => void;
}

export interface EngineResult {
    readonly operation: Operation;
    readonly registrations: readonly Registration[];
    readonly steps: readonly Step[];
    readonly diagnostics: readonly Diagnostic[];
    /** The stack's outputs in wire form (secrets wrapped); undefined after destroy. */
    readonly outputs: WireMap | undefined;
    readonly runner?: RunnerResult;
    /** From starting the runner to its first RegisterResource (the program's load time). */
    readonly loadMs?: number;
    readonly totalMs: number;
}

export class EngineError extends Error {
    constructor(
        message: string,
        readonly result: EngineResult,
    ) {
        super(message);
        this.name = "EngineError";
    }
}

export const preview = (o: EngineOptions) => run("preview", o);
export const up = (o: EngineOptions) => run("up", o);
export const destroy = (o: EngineOptions) => run("destroy", o);
/** `pulumi refresh`: read every resource back and save the state, running no program. */
export const refreshStack = (o: EngineOptions) => run("refresh", { ...o, refresh: true });

async function run(operation: Operation, o: EngineOptions): Promise<EngineResult> {
    const started = Date.now();
    const project = readProject(o.projectDir);
    const config = await stackConfig(operation, o);
    const docker = dockerClient(resolveDockerHost(undefined, config));
    await pingDocker(docker, resolveDockerHost(undefined, config));
    const store = await StateStore.open(o.stateDir ?? DEFAULT_STATE_DIR, o.stack);
    const unlock = await store.lock();
    try {
        const state = await store.load(project.name, o.stack);
        const scrubber = new Scrubber();
        for (const k of o.secretKeys ?? []) if (config[k] !== undefined) scrubber.addConfig(config[k]);
        for (const r of state.resources) scrubber.addWire(r.outputs);
        const dryRun = operation === "preview";
        const d = new Deployment({
            project: project.name,
            stack: o.stack,
            dryRun,
            state,
            store: dryRun ? undefined : store,
            docker,
            scrubber,
            onStep: o.onStep,
            onLog: o.onLog,
            onDiagnostic: o.onDiagnostic,
            replace: o.replace,
        });
        if (o.refresh !== false) await refresh(d, docker);
        if (operation === "refresh") return result(operation, d, started);
        // Before the program runs, after any refresh: deployment_executor.go Execute -> checkTargets.
        const unknown = replaceTargetErrors(o.replace ?? [], new Set(d.live.keys()));
        if (unknown.length > 0) {
            for (const message of unknown) d.diagnostics.push({ severity: "error", message });
            throw new EngineError(
                [
                    `${operation} of stack ${o.stack}: one or more targets could not be found in the stack`,
                    ...unknown.map((m) => `  ${m}`),
                ].join("\n"),
                result(operation, d, started),
            );
        }
        if (operation === "destroy") {
            await d.destroyAll();
            state.outputs = undefined;
            await d.checkpoint();
            return result(operation, d, started);
        }
        const server = await serve(d);
        let runner: RunnerResult;
        const spawned = Date.now();
        try {
            runner = await runRunner({
                project,
                stack: o.stack,
                organization: o.organization ?? "organization",
                monitorAddress: server.address,
                engineAddress: server.address,
                dryRun,
                config,
                secretKeys: o.secretKeys ?? [],
                timeoutMs: o.timeoutMs ?? 15 * 60_000,
                onOutput: o.onOutput && ((s, t) => o.onOutput!(s, scrubber.scrub(t))),
            });
            await d.settle();
        } finally {
            await server.close();
        }
        runner = { ...runner, stdout: scrubber.scrub(runner.stdout), stderr: scrubber.scrub(runner.stderr) };
        const ok = runner.code === 0 && !d.diagnostics.some((x) => x.severity === "error");
        const loadMs = d.firstRegistrationAt !== undefined ? d.firstRegistrationAt - spawned : undefined;
        if (ok) {
            await d.deleteUnregistered();
            if (!dryRun) state.outputs = d.stackOutputs;
        }
        await d.checkpoint();
        const res = result(operation, d, started, runner, loadMs);
        if (!ok) throw new EngineError(failureMessage(operation, o.stack, runner, d.diagnostics), res);
        return res;
    } finally {
        await unlock();
    }
}

/**
 * The config the program sees: the stack's, with Pulumi.yaml's `config:` merged in as `pulumi up`
 * and `preview` do (pulumi/pulumi pkg/workspace/config.go `ValidateStackConfigAndApplyProjectConfig`:
 * the stack's own keys win whole; a key of the project's namespace declared with no value that the
 * stack does not set either stops the operation, with upstream's message).
 */
async function stackConfig(operation: Operation, o: EngineOptions): Promise<Record<string, string>> {
    return programConfig(operation, o.stack, await readProjectConfig(o.projectDir), o.config ?? {});
}

export function programConfig(
    operation: Operation,
    stack: string,
    project: ProjectConfig | undefined,
    given: Readonly<Record<string, string>>,
): Record<string, string> {
    const applied = applyProjectConfig(project, given);
    if ((operation === "up" || operation === "preview") && applied.missing.length > 0) {
        const keys = applied.missing.map((k) => `'${k}'`);
        const list = keys.length === 1 ? keys[0] : `${keys.slice(0, -1).join(", ")} and ${keys.at(-1)}`;
        throw new Error(`Stack '${stack}' is missing configuration value${keys.length > 1 ? "s" : ""} ${list}`);
    }
    return applied.config;
}

/**
 * `--refresh`: each resource's state becomes what its provider's Read derives from Docker (in a
 * preview, in memory only). A successful read clears an initialisation error (pulumi/pulumi
 * pkg/resource/deploy/step.go `RefreshStep.Apply`); an object that is gone leaves the state.
 */
async function refresh(d: Deployment, docker: Docker): Promise<void> {
    for (const r of [...d.live.values()]) {
        if (!r.custom || r.id === undefined) continue;
        const provider = providerFor(r.type);
        const prior = decode(r.outputs).value as Record<string, unknown>;
        const read = await provider.read({ docker, urn: r.urn, log: () => undefined }, r.id, prior);
        if (!read) {
            d.live.delete(r.urn);
            d.emit({ op: "refresh-gone", urn: r.urn, type: r.type, name: r.name, ms: 0, id: r.id });
            continue;
        }
        const outputs = mergeOutputs(r.outputs, read, []);
        const diffs = diffAgainstState(Object.fromEntries(Object.keys(provider.schema).map((k) => [k, {}])), prior, read)
            .filter((x) => read[x.key] !== undefined)
            .map((x) => (isSecret(r.outputs[x.key]) ? { ...x, old: "[secret]", new: "[secret]" } : x));
        d.live.set(r.urn, { ...r, outputs, initFailed: undefined });
        if (diffs.length > 0 || r.initFailed) {
            d.emit({
                op: "refresh",
                urn: r.urn,
                type: r.type,
                name: r.name,
                ms: 0,
                id: r.id,
                changed: diffs.map((x) => x.key).concat(r.initFailed ? ["(initialization error cleared)"] : []),
                diffs,
            });
        }
    }
    // Pending deletes are read back too (step_generator.go `GenerateRefreshes`: every resource of
    // the snapshot); one that is gone leaves the state, so the deletes after the program skip it.
    for (const r of [...d.pending]) {
        const read =
            r.id === undefined
                ? undefined
                : await providerFor(r.type).read(
                      { docker, urn: r.urn, log: () => undefined },
                      r.id,
                      decode(r.outputs).value as Record<string, unknown>,
                  );
        d.refreshPending(r, read && { ...r, outputs: mergeOutputs(r.outputs, read, []) });
        if (!read) d.emit({ op: "refresh-gone", urn: r.urn, type: r.type, name: r.name, ms: 0, id: r.id });
    }
    await d.checkpoint();
}

function result(operation: Operation, d: Deployment, started: number, runner?: RunnerResult, loadMs?: number): EngineResult {
    const state: StackState = d.o.state;
    return {
        operation,
        registrations: d.registrations,
        steps: d.steps,
        diagnostics: d.diagnostics,
        outputs: operation === "preview" ? d.stackOutputs : state.outputs,
        runner,
        loadMs,
        totalMs: Date.now() - started,
    };
}

function failureMessage(operation: Operation, stack: string, r: RunnerResult, diagnostics: readonly Diagnostic[]): string {
    const errors = diagnostics.filter((x) => x.severity === "error").map((x) => x.message.trim());
    const how = r.timedOut
        ? "timed out and was killed"
        : r.code === EXIT_ERROR_LOGGED
          ? "failed (error reported to the engine)"
          : `exited with code ${r.code ?? r.signal}`;
    return [
        `${operation} of stack ${stack}: the program runner ${how}`,
        ...(errors.length ? ["errors:", ...errors.map((e) => `  ${e}`)] : []),
        ...(r.stderr.trim() ? ["runner stderr:", r.stderr.trim()] : []),
    ].join("\n");
}

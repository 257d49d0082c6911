// Per-stack state of the engine double: what the last deployment created, so that the next
// `up` can be compared with it (same / update / replace / delete) and `destroy` knows what to
// remove. One JSON file per stack (default test/.state/<stack>.json, gitignored), secrets
// sealed, written after every step like Pulumi's checkpoints, and guarded by a lock file.
import { promises as fs } from "fs";
import * as path from "path";
import { Key, loadKey, openSecrets, sealSecrets } from "./secrets";
import { WireMap } from "./types";

export const DEFAULT_STATE_DIR = path.resolve(__dirname, "..", ".state");

export interface ResourceState {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly custom: boolean;
    readonly parent?: string;
    /** Docker object ID, or the random provider's ID; absent for components. */
    readonly id?: string;
    /** Inputs and outputs in wire form (secret wrappers kept). */
    readonly inputs: WireMap;
    readonly outputs: WireMap;
    /** Everything it must outlive: dependsOn, input sources, parent. */
    readonly dependencies: readonly string[];
    /** Input key -> the resources its value came from (what dependent replacement follows). */
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
    readonly retainOnDelete?: boolean;
    readonly protect?: boolean;
    /** The resource option, which decides whether a dependent replacement reaches it. */
    readonly replaceOnChanges?: readonly string[];
    /**
     * Created but never became ready (not healthy in time): the engine's `InitErrors`. The next
     * `up` performs an update even with no diff, and that update clears it without looking
     * again (pulumi/pulumi step_generator.go `generateSteps`: `hasInitErrors` forces an update).
     */
    readonly initFailed?: boolean;
    /**
     * The old half of a create-before-delete replacement, waiting for the deletes that run after
     * the program (the engine's `Delete` flag, set by `CreateStep.Apply` in
     * pulumi/pulumi pkg/resource/deploy/step.go). A run that fails leaves it in state, next to the
     * replacement with the same URN; the next successful run deletes it. It is never diffed
     * against (deployment.go: pending deletions stay out of the `olds` table).
     */
    readonly delete?: true;
}

export interface StackState {
    readonly version: 1;
    readonly project: string;
    readonly stack: string;
    resources: ResourceState[];
    outputs?: WireMap;
}

export class StateStore {
    private writes: Promise<void> = Promise.resolve();

    private constructor(
        readonly file: string,
        private readonly key: Key,
    ) {}

    static async open(stateDir: string, stack: string): Promise<StateStore> {
        if (!/^[A-Za-z0-9_.-]+$/.test(stack))
            throw new Error(`stack name ${JSON.stringify(stack)}: use letters, digits, '-', '_' and '.' only`);
        return new StateStore(path.join(stateDir, `${stack}.json`), await loadKey(stateDir));
    }

    async load(project: string, stack: string): Promise<StackState> {
        let text: string;
        try {
            text = await fs.readFile(this.file, "utf8");
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code === "ENOENT") return { version: 1, project, stack, resources: [] };
            throw e;
        }
        const stored = JSON.parse(text) as StackState;
        if (stored.project !== project) throw new Error(`${this.file}: belongs to project ${stored.project}, not ${project}`);
        return openSecrets(this.key, stored) as StackState;
    }

    /** Write a checkpoint; writes are serialized so that the last one wins. */
    save(state: StackState): Promise<void> {
        const body = JSON.stringify(sealSecrets(this.key, snapshot(state)), null, 2) + "\n";
        this.writes = this.writes.then(async () => {
            const tmp = `${this.file}.${process.pid}.tmp`;
            await fs.writeFile(tmp, body, { mode: 0o600 });
            await fs.rename(tmp, this.file);
        });
        return this.writes;
    }

    async remove(): Promise<void> {
        await this.writes;
        await fs.rm(this.file, { force: true });
    }

    /** Take the stack's lock (one deployment per stack at a time, as Pulumi's backends do). */
    async lock(): Promise<() => Promise<void>> {
        const lockFile = `${this.file}.lock`;
        try {
            await fs.writeFile(lockFile, String(process.pid), { flag: "wx" });
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
            const holder = Number(await fs.readFile(lockFile, "utf8").catch(() => "0"));
            if (holder && alive(holder)) throw new Error(`stack is locked by process ${holder} (${lockFile})`, { cause: e });
            // The holder died; its lock is stale.
            await fs.writeFile(lockFile, String(process.pid));
        }
        return () => fs.rm(lockFile, { force: true });
    }
}

function snapshot(state: StackState): StackState {
    return { ...state, resources: [...state.resources] };
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
}

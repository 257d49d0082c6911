// The engine double's state as a deployment changes it: the live resources (one per URN), the
// pending deletes (old halves of create-before-delete replacements), removals and checkpoints.
// Deployment (deployment.ts) builds on it; a TEST DOUBLE for the Pulumi engine.
import Docker from "dockerode";
import { deleteResource } from "./apply";
import { RealizeContext } from "./realizer";
import { Scrubber } from "./scrub";
import { ResourceState, StackState, StateStore } from "./state";
import { deletionWaves } from "./steps";
import { Step } from "./types";

export interface TableOptions {
    readonly dryRun: boolean;
    readonly state: StackState;
    readonly store?: StateStore;
    readonly docker: Docker;
    readonly scrubber: Scrubber;
    readonly onStep?: (s: Step) => void;
    readonly onLog?: (urn: string, message: string) => void;
}

export class StackTable {
    readonly steps: Step[] = [];
    /** The state as it changes step by step; pending deletes apart. */
    readonly live: Map<string, ResourceState>;
    /** Old halves of create-before-delete replacements (this run's and a failed run's), deleted after the program. */
    readonly pending: ResourceState[];
    /** Removals under way: two replacements running at once may share dependents to remove. */
    private readonly removing = new Map<string, Promise<void>>();

    constructor(readonly o: TableOptions) {
        this.live = new Map(o.state.resources.filter((r) => !r.delete).map((r) => [r.urn, r]));
        this.pending = o.state.resources.filter((r) => r.delete);
    }

    /** `destroy`: everything in state, pending deletes too, in waves, each wave in parallel. */
    async destroyAll(): Promise<void> {
        await this.deleteInWaves([...this.live.values(), ...this.pending]);
    }

    /** Delete `doomed` as the engine's post-steps do (steps.ts `deletionWaves`). */
    protected async deleteInWaves(doomed: readonly ResourceState[]): Promise<void> {
        for (const wave of deletionWaves(doomed)) await Promise.all(wave.map((r) => (r.delete ? this.removePending(r) : this.remove(r))));
    }

    /** A pending delete, refreshed: `read` is its new state, or undefined when it is gone. */
    refreshPending(r: ResourceState, read: ResourceState | undefined): void {
        const k = this.pending.indexOf(r);
        if (k < 0) return;
        if (read) this.pending[k] = read;
        else this.pending.splice(k, 1);
    }

    /** `report` is false for the old half of a replacement: the replace step reports both. */
    protected remove(r: ResourceState, report = true): Promise<void> {
        const pending = this.removing.get(r.urn);
        if (pending) return pending;
        const removal = this.removeOnce(r, report).finally(() => this.removing.delete(r.urn));
        this.removing.set(r.urn, removal);
        return removal;
    }

    /** The old half of a create-before-delete replacement (reported as `delete-replaced`). */
    protected async removePending(r: ResourceState): Promise<void> {
        const started = Date.now();
        await deleteResource(this.context(r.urn), r);
        this.refreshPending(r, undefined);
        this.emit({ op: "delete-replaced", urn: r.urn, type: r.type, name: r.name, ms: Date.now() - started, id: r.id });
        await this.checkpoint();
    }

    private async removeOnce(r: ResourceState, report: boolean): Promise<void> {
        if (!this.live.has(r.urn)) return;
        const started = Date.now();
        const op = await deleteResource(this.context(r.urn), r);
        this.live.delete(r.urn);
        if (report) this.emit({ op, urn: r.urn, type: r.type, name: r.name, ms: Date.now() - started, id: r.id });
        await this.checkpoint();
    }

    protected context(urn: string): RealizeContext {
        return { docker: this.o.docker, urn, log: (m) => this.o.onLog?.(urn, this.o.scrubber.scrub(m)) };
    }

    protected record(r: ResourceState, step?: Step): void {
        this.live.set(r.urn, r);
        if (step) this.emit(step);
        void this.checkpoint();
    }

    emit(step: Step): void {
        this.steps.push(step);
        this.o.onStep?.(step);
    }

    checkpoint(): Promise<void> {
        if (this.o.dryRun || !this.o.store) return Promise.resolve();
        this.o.state.resources = [...this.live.values(), ...this.pending];
        return this.o.store.save(this.o.state);
    }
}

// What every resource type of the realizer implements (see index.ts), and helpers they share.
import Docker from "dockerode";

export interface RealizeContext {
    readonly docker: Docker;
    readonly urn: string;
    /** Progress worth showing (waiting for health, ...); never secret values. */
    log(message: string): void;
}

export interface Created {
    readonly id: string;
    /** Outputs the provider computes (the engine merges them over the inputs). */
    readonly outputs: Record<string, unknown>;
}

/** Thrown when the object exists but did not become ready; it is kept in state and replaced next time. */
export class InitError extends Error {
    constructor(
        message: string,
        readonly created: Created,
    ) {
        super(message);
        this.name = "InitError";
    }
}

export interface Provider {
    /** Inputs the provider implements; anything else is rejected by `check`. */
    readonly inputs: readonly string[];
    /** Output keys known only after create: unknown in a preview. */
    readonly computed: readonly string[];
    /** Input keys changed in place; a change to any other input replaces. */
    readonly updatable: readonly string[];
    create(ctx: RealizeContext, inputs: Record<string, any>): Promise<Created>;
    update?(ctx: RealizeContext, id: string, olds: Record<string, any>, news: Record<string, any>): Promise<Created>;
    delete(ctx: RealizeContext, id: string, inputs: Record<string, any>): Promise<void>;
    /** Whether the object still exists on the engine (the double's `refresh`). */
    exists(ctx: RealizeContext, id: string): Promise<boolean>;
}

/** Docker's "no such object" (404), as opposed to a daemon that does not answer. */
export function isNotFound(e: unknown): boolean {
    return (e as { statusCode?: number }).statusCode === 404;
}

/** Remove an object that may be gone already: a 404 is the removal's goal, not an error. */
export async function removeUnlessGone(remove: () => Promise<unknown>): Promise<void> {
    try {
        await remove();
    } catch (e) {
        if (!isNotFound(e)) throw e;
    }
}

/** Whether an object answers `inspect`; a 404 is "no", any other failure propagates. */
export async function stillThere(inspect: () => Promise<unknown>): Promise<boolean> {
    try {
        await inspect();
        return true;
    } catch (e) {
        if (isNotFound(e)) return false;
        throw e;
    }
}

/** Labels as @pulumi/docker takes them (`[{label, value}]`) -> the Engine API's map. */
export function labelMap(labels: readonly { label: string; value: string }[] | undefined): Record<string, string> {
    return Object.fromEntries((labels ?? []).map((l) => [l.label, l.value]));
}

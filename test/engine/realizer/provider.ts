// What every resource type of the realizer implements (see index.ts), and helpers they share.
import Docker from "dockerode";
import type { Schema } from "./schema";

export interface RealizeContext {
    readonly docker: Docker;
    readonly urn: string;
    /** Progress worth showing (waiting for health, ...); never secret values. */
    log(message: string): void;
}

/** A resource's state as the provider keeps it: its attributes, by the program's input names. */
export type State = Record<string, any>;

/**
 * Thrown when the object exists but did not become ready (a failed health wait). The engine
 * keeps it in state with an initialisation error (see ../state.ts `initFailed`).
 */
export class InitError extends Error {
    constructor(
        message: string,
        readonly id: string,
    ) {
        super(message);
        this.name = "InitError";
    }
}

/**
 * One resource type, as its bridged provider behaves: Create, then Read (the state is what Read
 * derives from Docker, not what the program asked for), Diff by `schema`, Update, Delete.
 */
export interface Provider {
    /** Every input the provider implements, with its diff rules; anything else is rejected by `check`. */
    readonly schema: Schema;
    /** Output keys known only after create: unknown in a preview. */
    readonly computed: readonly string[];
    /** The provider asks for delete-before-replace itself (pulumi-docker's `DeleteBeforeReplace`). */
    readonly deleteBeforeReplace?: boolean;
    /** Returns the new object's ID (and what only the state can hold); the engine then reads its state. */
    create(ctx: RealizeContext, inputs: State): Promise<{ id: string; state?: State }>;
    /** The state from the engine (`prior` for what Read leaves alone); undefined when the object is gone. */
    read(ctx: RealizeContext, id: string, prior: State): Promise<State | undefined>;
    /** In-place update of the attributes `changed`; returns the new state (without reading it back unless the provider does). */
    update?(ctx: RealizeContext, id: string, prior: State, news: State, changed: readonly string[]): Promise<State>;
    delete(ctx: RealizeContext, id: string, state: State): Promise<void>;
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

/** What `inspect` returns, or undefined when the object is gone (404); any other failure propagates. */
export async function inspectUnlessGone<T>(inspect: () => Promise<T>): Promise<T | undefined> {
    try {
        return await inspect();
    } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
    }
}

/** Labels as @pulumi/docker takes them (`[{label, value}]`) -> the Engine API's map. */
export function labelMap(labels: readonly { label: string; value: string }[] | undefined): Record<string, string> {
    return Object.fromEntries((labels ?? []).map((l) => [l.label, l.value]));
}

/** The Engine API's label map -> @pulumi/docker's list, sorted (upstream helpers.go `mapToLabelSet`). */
export function labelSet(labels: Readonly<Record<string, string>> | null | undefined): { label: string; value: string }[] {
    return Object.keys(labels ?? {})
        .sort()
        .map((label) => ({ label, value: labels![label] }));
}

/** Fields only the program sets, kept from the prior state (Read does not touch them). */
export function keep(prior: State, keys: readonly string[]): State {
    return Object.fromEntries(keys.filter((k) => prior[k] !== undefined).map((k) => [k, prior[k]]));
}

// Carrying out one step against the realizer: create, update, replace (delete-first when the
// resource asks for it; otherwise the old object is marked for deletion after the program) or
// delete. Split from deployment.ts, which decides and records.
import { providerFor, InitError, RealizeContext, State } from "./realizer";
import { decode } from "./serialize";
import { ResourceState } from "./state";
import { Registration, WireMap } from "./types";

export interface StepInput {
    readonly reg: Registration;
    readonly old: ResourceState | undefined;
    readonly op: "create" | "same" | "update" | "replace";
    /** Attributes that differ (an update sends only these). */
    readonly changed: readonly string[];
    /** Replace delete-first (the provider's or the program's choice). */
    readonly deleteFirst: boolean;
    /** Delete-before-replace: remove the dependents that are replaced with it first. */
    beforeDelete(): Promise<void>;
    deleteOld(): Promise<void>;
    /** Create-before-delete: the new object is up; mark the old one for the deletes after the program. */
    condemnOld(): void;
    /** Record an object that exists but failed to initialize, so that it is not leaked. */
    persist(failed: { id: string; state: State }): void;
}

export interface StepResult {
    readonly id: string;
    /** The provider's state after the step (what Read derived, or the plan after an update). */
    readonly state: State;
    /** Set when the previous outputs stand unchanged ("same"). */
    readonly outputs?: WireMap;
}

export async function applyStep(ctx: RealizeContext, s: StepInput): Promise<StepResult> {
    const { reg, old } = s;
    if (s.op === "same") return { id: old!.id ?? "", state: plain(old!.outputs), outputs: old!.outputs };
    if (reg.unknownPaths.length > 0)
        throw new Error(`engine double: ${reg.urn} has unknown inputs (${reg.unknownPaths.join(", ")}) outside a preview`);
    const provider = providerFor(reg.type);
    const inputs = reg.inputs as Record<string, any>;
    if (s.op === "update") {
        // An empty update (after an init error) reaches the provider, which has nothing to send.
        if (!provider.update) throw new Error(`engine double: ${reg.type} cannot be updated in place`);
        return { id: old!.id!, state: await provider.update(ctx, old!.id!, plain(old!.outputs), inputs, s.changed) };
    }
    const deleteFirst = s.op === "replace" && s.deleteFirst;
    if (deleteFirst) {
        await s.beforeDelete();
        await s.deleteOld();
    }
    let created;
    try {
        created = await provider.create(ctx, inputs);
    } catch (e) {
        // The state holds the planned inputs and the ID (pulumi-terraform-bridge `initializationError`).
        // A partial failure still condemns the old object of a create-first replacement (pulumi/pulumi
        // step.go `CreateStep.Apply`: StatusPartialFailure goes on to mark it `Delete`); any other
        // failure leaves it as it was.
        if (e instanceof InitError) {
            if (s.op === "replace" && !deleteFirst) s.condemnOld();
            s.persist({ id: e.id, state: inputs });
        }
        throw e;
    }
    // Create ends with Read: the state is what the engine reports, not what was asked for.
    const state = await provider.read(ctx, created.id, { ...inputs, ...created.state });
    if (!state) throw new Error(`${reg.urn}: created ${created.id}, but it was gone when read back`);
    // Create-before-delete, the engine's default: the old object stays until the program is done
    // and its dependents have moved to the new one (pulumi/pulumi step.go `CreateStep.Apply` marks
    // it `Delete`; step_generator.go: "the delete step is generated later on, after all
    // creates/updates finish").
    if (s.op === "replace" && !deleteFirst) s.condemnOld();
    return { id: created.id, state };
}

/** Delete one resource, honouring `protect` and `retainOnDelete`; returns what was done. */
export async function deleteResource(ctx: RealizeContext, r: ResourceState): Promise<"delete" | "retain"> {
    if (r.protect) throw new Error(`${r.urn} is protected; unprotect it before deleting`);
    if (!r.custom) return "delete";
    if (r.retainOnDelete) return "retain";
    // The delete sees the state being deleted (pulumi/pulumi step.go `DeleteStep.Apply`: old outputs).
    if (r.id !== undefined) await providerFor(r.type).delete(ctx, r.id, plain(r.outputs));
    return "delete";
}

export function plain(wire: WireMap): Record<string, any> {
    return decode(wire).value as Record<string, any>;
}

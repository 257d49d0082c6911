// Carrying out one step against the realizer: create, update, replace (delete-first when the
// resource asks for it) or delete. Split from deployment.ts, which decides and records.
import { providerFor, InitError, RealizeContext } from "./realizer";
import { decode } from "./serialize";
import { ResourceState } from "./state";
import { Registration, WireMap } from "./types";

export interface StepInput {
    readonly reg: Registration;
    readonly old: ResourceState | undefined;
    readonly op: "create" | "same" | "update" | "replace";
    /** Delete-before-replace: remove what depends on the old object first. */
    beforeDelete(): Promise<void>;
    deleteOld(): Promise<void>;
    /** Record an object that exists but failed to initialize, so that it is not leaked. */
    persist(failed: { id: string }): void;
}

export interface StepResult {
    readonly id: string;
    readonly computed: Record<string, unknown>;
    /** Set when the previous outputs stand unchanged ("same"). */
    readonly outputs?: WireMap;
}

export async function applyStep(ctx: RealizeContext, s: StepInput): Promise<StepResult> {
    const { reg, old } = s;
    if (s.op === "same") return { id: old!.id ?? "", computed: {}, outputs: old!.outputs };
    if (reg.unknownPaths.length > 0) throw new Error(`engine double: ${reg.urn} has unknown inputs (${reg.unknownPaths.join(", ")}) outside a preview`);
    const provider = providerFor(reg.type);
    const inputs = reg.inputs as Record<string, any>;
    if (s.op === "update") {
        if (!provider.update) throw new Error(`engine double: ${reg.type} cannot be updated in place`);
        const r = await provider.update(ctx, old!.id!, plain(old!.inputs), inputs);
        return { id: r.id, computed: r.outputs };
    }
    const deleteFirst = s.op === "replace" && reg.options.deleteBeforeReplace === true;
    if (deleteFirst) {
        await s.beforeDelete();
        await s.deleteOld();
    }
    let created;
    try {
        created = await provider.create(ctx, inputs);
    } catch (e) {
        if (e instanceof InitError) s.persist(e.created);
        throw e;
    }
    // Create-before-delete, the engine's default: the old object goes once the new one is up.
    if (s.op === "replace" && !deleteFirst) await s.deleteOld();
    return { id: created.id, computed: created.outputs };
}

/** Delete one resource, honouring `protect` and `retainOnDelete`; returns what was done. */
export async function deleteResource(ctx: RealizeContext, r: ResourceState): Promise<"delete" | "retain"> {
    if (r.protect) throw new Error(`${r.urn} is protected; unprotect it before deleting`);
    if (!r.custom) return "delete";
    if (r.retainOnDelete) return "retain";
    if (r.id !== undefined) await providerFor(r.type).delete(ctx, r.id, plain(r.inputs));
    return "delete";
}

function plain(wire: WireMap): Record<string, any> {
    return decode(wire).value as Record<string, any>;
}

// Shapes shared by the engine double (a TEST DOUBLE for the Pulumi engine and the Docker
// provider, not a deployment path; see test/engine/README.md).

/** A value as it crosses the gRPC boundary: plain JSON plus Pulumi's signature objects. */
export type Wire = unknown;
export type WireMap = Record<string, Wire>;

/** Stand-in for a value that is not known yet (preview), in decoded inputs and outputs. */
export const UNKNOWN: unique symbol = Symbol.for("frontbase.engine-double.unknown");
export type Unknown = typeof UNKNOWN;

/** The resource options of a RegisterResource request, as the engine receives them. */
export interface RegisterOptions {
    readonly parent?: string;
    /** URNs of `dependsOn` plus every resource an input came from. */
    readonly dependencies: readonly string[];
    readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
    /** `undefined` when the program did not set it (the request says so explicitly). */
    readonly deleteBeforeReplace?: boolean;
    readonly retainOnDelete?: boolean;
    readonly protect?: boolean;
    readonly additionalSecretOutputs: readonly string[];
    readonly ignoreChanges: readonly string[];
    readonly replaceOnChanges: readonly string[];
    readonly deletedWith?: string;
    readonly provider?: string;
    readonly version?: string;
    readonly importId?: string;
    readonly aliases: number;
}

/** One RegisterResource request, decoded. */
export interface Registration {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly custom: boolean;
    /** Inputs with secrets unwrapped and unknowns as UNKNOWN. */
    readonly inputs: Record<string, unknown>;
    /** Paths (`envs`, `labels[0].value`) whose value reached the engine as a secret. */
    readonly secretPaths: readonly string[];
    /** Paths whose value was unknown (only in a preview). */
    readonly unknownPaths: readonly string[];
    /** The inputs exactly as received, signatures included. */
    readonly wire: WireMap;
    readonly options: RegisterOptions;
}

/** `delete-replaced`: the old half of a create-before-delete replacement, deleted after the program. */
export type StepOp = "create" | "same" | "update" | "replace" | "delete" | "delete-replaced" | "retain" | "refresh" | "refresh-gone";

/** One attribute that differs, as `pulumi preview --diff` shows it (secret values masked). */
export interface FieldChange {
    readonly key: string;
    readonly old: unknown;
    readonly new: unknown;
    readonly replaces: boolean;
}

/** What the double did (or, in a preview, would do) to one resource. */
export interface Step {
    readonly op: StepOp;
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** Input keys that differ from the previous deployment (update/replace). */
    readonly changed?: readonly string[];
    /** The same, with old (state) and new values; for `refresh`, what Read changed in state. */
    readonly diffs?: readonly FieldChange[];
    readonly ms: number;
    /** Docker object ID (or random value ID) after the step. */
    readonly id?: string;
    /** A replacement: whether the old object went first (the provider's or the program's choice). */
    readonly deleteFirst?: boolean;
}

export interface Diagnostic {
    readonly severity: "debug" | "info" | "warning" | "error";
    readonly message: string;
    readonly urn?: string;
}

// How a bridged Terraform provider diffs a resource: the program's new inputs against the state
// that the provider's Read wrote from Docker, attribute by attribute, by the provider's schema.
// Pure. A TEST DOUBLE of the rules, each from the upstream source named beside it.
//
// Upstream: hashicorp/terraform-plugin-sdk v2, helper/schema/schema.go `schemaMap.diff` and
// `diffString` (an attribute absent from config: no diff when it is Computed, else it is compared
// as its Default or its zero value), `Schema.ZeroValue` (unset == "" / 0 / false / empty list),
// `DiffSuppressFunc`; helper/schema/set.go (a TypeSet compares as an unordered set). pulumi's
// terraform-bridge turns the result into Pulumi's DiffResponse (pkg/tfbridge/provider.go
// `Diff`): a change to a ForceNew attribute is a replacement, any other change an update.
import { canonical } from "../serialize";

export interface Attribute {
    /** A change replaces the resource (`ForceNew: true`). */
    readonly forceNew?: boolean;
    /** Optional+Computed: absent from the program, whatever Read stored stands (no diff). */
    readonly computed?: boolean;
    /** `Default:` in the schema: absent from the program, compared as this value. */
    readonly default?: unknown;
    /** TypeSet: order does not matter. */
    readonly set?: boolean;
    /** The program's value as the provider would store it (nested defaults filled in). */
    readonly normalize?: (value: unknown) => unknown;
    /** `DiffSuppressFunc`: true when the two values are the same to the provider. */
    readonly suppress?: (state: unknown, input: unknown) => boolean;
    /** Kept in state from the last apply and never read from Docker (`wait`, `destroy_grace_seconds`). */
    readonly stateOnly?: boolean;
    /**
     * A block with Computed or defaulted attributes inside: the program's value with those it
     * leaves unset taken from the state (Computed) or filled with their Default, as the SDK's
     * nested diff does (schema.go `diff` per nested key).
     */
    readonly fill?: (input: unknown, state: unknown) => unknown;
    /** For a block whose ForceNew attributes are nested: whether this change touches one of them. */
    readonly replaces?: (state: unknown, input: unknown) => boolean;
}

export type Schema = Readonly<Record<string, Attribute>>;

export interface FieldDiff {
    readonly key: string;
    readonly old: unknown;
    readonly new: unknown;
    readonly replaces: boolean;
}

/** Terraform's zero values (schema.go `ZeroValue`): an unset attribute reads as one of these. */
function isZero(v: unknown): boolean {
    if (v === undefined || v === null || v === "" || v === 0 || v === false) return true;
    if (Array.isArray(v)) return v.length === 0;
    if (typeof v === "object") return Object.keys(v as object).length === 0;
    return false;
}

/** Nested attributes at their zero value are the same as unset ones (flatmap state keeps no zeros apart). */
export function withoutZeros(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(withoutZeros);
    if (typeof v === "object" && v !== null)
        return Object.fromEntries(
            Object.entries(v)
                .filter(([, x]) => !isZero(x))
                .map(([k, x]) => [k, withoutZeros(x)]),
        );
    return v;
}

function comparable(v: unknown, a: Attribute): string {
    if (isZero(v)) return "null";
    const w = withoutZeros(v);
    if (a.set && Array.isArray(w)) return canonical(w.map((x) => canonical(x)).sort());
    return canonical(w);
}

/** The attribute-level diff of new inputs against the state Read produced. */
export function diffAgainstState(
    schema: Schema,
    state: Readonly<Record<string, unknown>>,
    inputs: Readonly<Record<string, unknown>>,
    ignore: readonly string[] = [],
): FieldDiff[] {
    const diffs: FieldDiff[] = [];
    for (const [key, a] of Object.entries(schema)) {
        if (ignore.includes(key)) continue;
        let want = inputs[key];
        if (want === undefined) {
            if (a.computed) continue;
            want = a.default;
        } else if (a.normalize) {
            want = a.normalize(want);
        }
        // A default is in the state from the create's plan on, whether Read touches it or not.
        const have = state[key] === undefined ? a.default : state[key];
        if (a.fill) want = a.fill(want, have);
        if (a.suppress?.(have, want)) continue;
        if (comparable(have, a) === comparable(want, a)) continue;
        diffs.push({ key, old: have, new: want, replaces: a.replaces ? a.replaces(have, want) : a.forceNew === true });
    }
    return diffs;
}

/** Inputs the schema does not know: the double would drop them silently, so they are errors. */
export function unknownInputs(schema: Schema, inputs: Readonly<Record<string, unknown>>): string[] {
    return Object.keys(inputs).filter((k) => !(k in schema));
}

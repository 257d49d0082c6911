// Pulumi's wire encoding of property values, from the engine's side of the gRPC boundary.
//
// The SDK marks secrets, unknowns, resource references and output values with signature
// objects (`runtime/rpc.js`); the engine double must read them the way the real engine does,
// and must answer with the same encoding so that the program sees secrets and unknowns.
import { createRequire } from "module";
import type { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { UNKNOWN, Wire, WireMap } from "./types";

export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
export const OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
export const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
export const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
export const UNKNOWN_WIRE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

// The response messages must be built with the google-protobuf copy the generated stubs
// use (@pulumi/pulumi ships its own), or serialization would mix two class hierarchies.
const protoRequire = createRequire(require.resolve("@pulumi/pulumi/proto/resource_pb"));
const structPb = protoRequire("google-protobuf/google/protobuf/struct_pb") as typeof import("google-protobuf/google/protobuf/struct_pb");

export function toStruct(value: WireMap): Struct {
    return structPb.Struct.fromJavaScript(value as Record<string, never>);
}

export function fromStruct(struct: Struct | undefined): WireMap {
    return (struct?.toJavaScript() ?? {}) as WireMap;
}

export function secret(value: Wire): Wire {
    return { [SIG_KEY]: SECRET_SIG, value: value === undefined ? null : value };
}

function sigOf(v: Wire): string | undefined {
    return typeof v === "object" && v !== null && !Array.isArray(v)
        ? ((v as Record<string, unknown>)[SIG_KEY] as string | undefined)
        : undefined;
}

export function isSecret(v: Wire): v is { value: Wire } {
    return sigOf(v) === SECRET_SIG;
}

export interface Decoded {
    readonly value: unknown;
    readonly secretPaths: string[];
    readonly unknownPaths: string[];
    /** The plain values that were secrets (to mask them in anything printed). */
    readonly secretValues: unknown[];
}

/** Wire value -> plain value (secrets unwrapped, unknowns as UNKNOWN), remembering where each was. */
export function decode(wire: Wire): Decoded {
    const secretPaths: string[] = [];
    const unknownPaths: string[] = [];
    const secretValues: unknown[] = [];
    const walk = (v: Wire, path: string): unknown => {
        if (v === UNKNOWN_WIRE) {
            unknownPaths.push(path);
            return UNKNOWN;
        }
        if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`));
        if (typeof v !== "object" || v === null) return v;
        const o = v as Record<string, Wire>;
        switch (o[SIG_KEY]) {
            case undefined:
                return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x, path ? `${path}.${k}` : k)]));
            case SECRET_SIG: {
                secretPaths.push(path);
                const plain = walk(o.value, path);
                secretValues.push(plain);
                return plain;
            }
            case OUTPUT_VALUE_SIG: {
                if (!("value" in o)) {
                    if (o.secret === true) secretPaths.push(path);
                    unknownPaths.push(path);
                    return UNKNOWN;
                }
                const plain = walk(o.value, path);
                if (o.secret === true) {
                    secretPaths.push(path);
                    secretValues.push(plain);
                }
                return plain;
            }
            case RESOURCE_SIG:
                // Resource references carry their URN (and ID for custom resources).
                return { urn: o.urn, ...(o.id !== undefined ? { id: walk(o.id, `${path}.id`) } : {}) };
            case ASSET_SIG:
            case ARCHIVE_SIG:
                throw new Error(`engine double: assets and archives are not supported (at ${path || "<root>"})`);
            default:
                throw new Error(`engine double: unknown signature ${String(o[SIG_KEY])} at ${path || "<root>"}`);
        }
    };
    const value = walk(wire, "");
    return { value, secretPaths, unknownPaths, secretValues };
}

export function decodeMap(wire: WireMap): { inputs: Record<string, unknown>; secretPaths: string[]; unknownPaths: string[] } {
    const d = decode(wire);
    return { inputs: d.value as Record<string, unknown>, secretPaths: d.secretPaths, unknownPaths: d.unknownPaths };
}

/** Plain value -> wire value (UNKNOWN back to the sentinel string). */
export function encode(value: unknown): Wire {
    if (value === UNKNOWN) return UNKNOWN_WIRE;
    if (Array.isArray(value)) return value.map(encode);
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(
            Object.entries(value)
                .filter(([, x]) => x !== undefined)
                .map(([k, x]) => [k, encode(x)]),
        );
    }
    return value;
}

/** Secret values replaced by `[secret]`, for anything printed or logged. */
export function masked(wire: Wire): unknown {
    if (wire === UNKNOWN_WIRE) return "[unknown]";
    if (isSecret(wire)) return "[secret]";
    if (Array.isArray(wire)) return wire.map(masked);
    if (typeof wire === "object" && wire !== null) {
        const o = wire as Record<string, Wire>;
        if (sigOf(o) === OUTPUT_VALUE_SIG) return o.secret ? "[secret]" : "value" in o ? masked(o.value) : "[unknown]";
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, masked(x)]));
    }
    return wire;
}

/** Stable JSON of a plain value (keys sorted), to compare inputs across deployments. */
export function canonical(value: unknown): string {
    return JSON.stringify(value, (_k, v) =>
        v === UNKNOWN
            ? UNKNOWN_WIRE
            : typeof v === "object" && v !== null && !Array.isArray(v)
              ? Object.fromEntries(
                    Object.keys(v)
                        .sort()
                        .map((k) => [k, v[k]]),
                )
              : v,
    );
}

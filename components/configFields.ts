// The field validators of a tenant's stack config (components/config.ts builds its schema from
// them): ports, ranges, images, memory, domains, secrets. Pure: no Pulumi import.
import { z } from "zod";
import { IMAGE_KEYS, ImageKey, PortRange } from "./defaults";
import { domainProblem } from "./proxy/domains";

export const port = z
    .number({ error: "must be an integer port number from 1 to 65535" })
    .int({ error: "must be an integer port number from 1 to 65535" })
    .min(1, { error: "must be an integer port number from 1 to 65535" })
    .max(65535, { error: "must be an integer port number from 1 to 65535" });

export const range = z
    .string({ error: 'must be a range "FROM-TO", e.g. "8000-8999"' })
    .regex(/^\d{1,5}-\d{1,5}$/, { error: 'must be a range "FROM-TO", e.g. "8000-8999"' })
    .transform((s, ctx): PortRange => {
        const [from, to] = s.split("-").map(Number);
        if (from < 1 || to > 65535 || from > to) {
            ctx.addIssue({ code: "custom", message: `must be a range "FROM-TO" with 1 <= FROM <= TO <= 65535 (got "${s}")` });
            return z.NEVER;
        }
        return { from, to };
    });

export const secretString = z
    .string()
    .min(12, { error: "must be at least 12 characters" })
    .max(256, { error: "must be at most 256 characters" });
/** An object of `keys` (the ports, or also the second slot's), each optional and of type `t`. */
export const perPortKey = <T extends z.ZodType, K extends string>(t: T, keys: readonly K[]) =>
    z.strictObject(Object.fromEntries(keys.map((k) => [k, t.optional()])) as Record<K, z.ZodOptional<T>>, {
        error: (iss) =>
            iss.code === "unrecognized_keys" ? `unknown key(s) ${iss.keys.join(", ")}; allowed: ${keys.join(", ")}` : "must be an object",
    });
export const perImageKey = <T extends z.ZodType>(t: T) =>
    z.strictObject(Object.fromEntries(IMAGE_KEYS.map((k) => [k, t.optional()])) as Record<ImageKey, z.ZodOptional<T>>, {
        error: (iss) =>
            iss.code === "unrecognized_keys"
                ? `unknown key(s) ${iss.keys.join(", ")}; allowed: ${IMAGE_KEYS.join(", ")}`
                : "must be an object",
    });

/** Dotted quad, each part 0-255 without leading zeros (Docker rejects 999.999.999.999 only at `up`). */
const OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
export const IPV4 = new RegExp(`^(${OCTET}\\.){3}${OCTET}$`);

const domain = z.string({ error: "must be a host name such as app.example.com" }).superRefine((v, ctx) => {
    const problem = domainProblem(v);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
});
export const domainList = z.array(domain, { error: 'must be a list of host names, e.g. ["app.example.com"]' }).superRefine((list, ctx) => {
    const twice = list.filter((d, k) => list.indexOf(d) !== k);
    if (twice.length > 0) ctx.addIssue({ code: "custom", message: `lists "${twice[0]}" twice` });
});

export const imageRef = z
    .string()
    .regex(/^[a-z0-9][a-zA-Z0-9._/:@-]*$/, { error: "must be an image reference such as redis:7.4.2-alpine" });
export const memoryMiB = z
    .number()
    .int()
    .min(16, { error: "must be an integer number of MiB, at least 16" })
    .max(65536, { error: "must be at most 65536 MiB" });

/** healthInterval: up to an hour, for hosts that would rather spend less on checks than see a hung service sooner. */
export const HEALTH_SECONDS = { error: "must be a whole number of seconds from 1 to 3600" };

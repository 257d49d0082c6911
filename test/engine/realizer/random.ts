// random:index/randomPassword:RandomPassword -> a value drawn once with crypto randomness and
// then kept in the stack's state (the engine returns the stored outputs while inputs are
// unchanged), which is what makes a tenant's credentials stable across deployments.
// `bcryptHash` is not produced: Node has no bcrypt and the program does not read it.
import { randomInt } from "crypto";
import { Provider } from "./provider";
import { Schema } from "./schema";

// pulumi/pulumi-random (terraform-provider-random resource_password.go): every argument
// requires replacement; the result lives only in state.
const SCHEMA: Schema = Object.fromEntries(
    [
        "length",
        "lower",
        "upper",
        "numeric",
        "number",
        "special",
        "minLower",
        "minUpper",
        "minNumeric",
        "minSpecial",
        "overrideSpecial",
        "keepers",
    ].map((k) => [k, { forceNew: true, computed: k !== "keepers" }]),
);

const LOWER = "abcdefghijklmnopqrstuvwxyz";
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const NUMERIC = "0123456789";
/** The random provider's default special characters. */
const SPECIAL = "!@#$%&*()-_=+[]{}<>:?";

export interface PasswordRules {
    readonly length: number;
    readonly lower?: boolean;
    readonly upper?: boolean;
    readonly numeric?: boolean;
    readonly special?: boolean;
    readonly minLower?: number;
    readonly minUpper?: number;
    readonly minNumeric?: number;
    readonly minSpecial?: number;
    readonly overrideSpecial?: string;
}

export function generatePassword(r: PasswordRules): string {
    if (!Number.isInteger(r.length) || r.length < 1) throw new Error(`RandomPassword: length must be a positive integer (got ${r.length})`);
    const special = r.overrideSpecial ?? SPECIAL;
    const classes: [boolean, string, number][] = [
        [r.lower !== false, LOWER, r.minLower ?? 0],
        [r.upper !== false, UPPER, r.minUpper ?? 0],
        [r.numeric !== false, NUMERIC, r.minNumeric ?? 0],
        [r.special !== false, special, r.minSpecial ?? 0],
    ];
    const chars: string[] = [];
    let pool = "";
    for (const [enabled, set, min] of classes) {
        if (!enabled) continue;
        pool += set;
        for (let i = 0; i < min; i++) chars.push(set[randomInt(set.length)]);
    }
    if (pool === "") throw new Error("RandomPassword: every character class is disabled");
    if (chars.length > r.length) throw new Error(`RandomPassword: the min* counts (${chars.length}) exceed length ${r.length}`);
    while (chars.length < r.length) chars.push(pool[randomInt(pool.length)]);
    // Fisher-Yates, so that the required characters are not always at the front.
    for (let i = chars.length - 1; i > 0; i--) {
        const j = randomInt(i + 1);
        [chars[i], chars[j]] = [chars[j], chars[i]];
    }
    return chars.join("");
}

export const randomPasswordProvider: Provider = {
    schema: SCHEMA,
    computed: ["result", "bcryptHash"],
    async create(_ctx, i) {
        // The random provider's ID for a password is the constant "none"; the value lives only in state.
        return { id: "none", state: { result: generatePassword({ ...i, numeric: i.numeric ?? i.number } as PasswordRules) } };
    },
    async read(_ctx, _id, prior) {
        return prior;
    },
    async delete() {},
};

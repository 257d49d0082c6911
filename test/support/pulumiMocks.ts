// Pulumi mocks that record every registered resource, for unit tests of the program.
import * as pulumi from "@pulumi/pulumi";

export interface Registered {
    readonly type: string;
    readonly name: string;
    /** Inputs as plain values, secrets unwrapped. */
    readonly inputs: Record<string, any>;
    /** Input keys whose value reached the engine as a secret. */
    readonly secretInputs: ReadonlySet<string>;
}

/** The wire signature of a secret value (`pulumi.runtime.specialSigKey`). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

function isSecretValue(v: unknown): v is { value: unknown } {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

function unwrap(v: unknown): unknown {
    if (isSecretValue(v)) return unwrap(v.value);
    if (Array.isArray(v)) return v.map(unwrap);
    if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]));
    return v;
}

/** A resource's options as the program passed them, resources named by their logical names. */
export interface RecordedOptions {
    readonly parent?: string;
    readonly dependsOn: readonly string[];
    readonly retainOnDelete?: boolean;
    readonly deleteBeforeReplace?: boolean;
    readonly replaceOnChanges?: readonly string[];
    readonly ignoreChanges?: readonly string[];
    readonly protect?: boolean;
}

export interface Recorder {
    readonly resources: Registered[];
    byType(type: string): Registered[];
    one(type: string, name: string): Registered;
    /**
     * Pass as `transformations: [rec.transformation]` to a component: it sees the options of the
     * component and of every child (the mock monitor sees only inputs), and changes nothing.
     */
    readonly transformation: pulumi.ResourceTransformation;
    /** The options of a resource seen by `transformation`. */
    optionsOf(type: string, name: string): RecordedOptions;
    reset(): void;
}

/** Plausible provider outputs: what the real providers return for the inputs we use. */
function outputsFor(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
    switch (type) {
        case "random:index/randomPassword:RandomPassword":
            return { ...inputs, result: `generated-${name}` };
        case "docker:index/remoteImage:RemoteImage":
            return { ...inputs, imageId: `sha256:id-of-${inputs.name}`, repoDigest: `${inputs.name}@sha256:0` };
        default:
            return inputs;
    }
}

export function recorder(): Recorder {
    const resources: Registered[] = [];
    const options = new Map<string, pulumi.ResourceOptions>();
    const names = new Map<pulumi.Resource, string>();
    const nameOf = (r: unknown) => names.get(r as pulumi.Resource) ?? `<a resource the transformation did not see>`;
    return {
        resources,
        byType: (type) => resources.filter((r) => r.type === type),
        one(type, name) {
            const found = resources.filter((r) => r.type === type && r.name === name);
            if (found.length !== 1)
                throw new Error(`expected one ${type} named ${name}, found ${found.length}: ${resources.map((r) => r.name).join(", ")}`);
            return found[0];
        },
        transformation(args) {
            names.set(args.resource, args.name);
            options.set(`${args.type}::${args.name}`, args.opts);
            return undefined;
        },
        optionsOf(type, name) {
            const opts = options.get(`${type}::${name}`) as pulumi.CustomResourceOptions | undefined;
            if (!opts)
                throw new Error(`no options recorded for ${type} ${name}: pass transformations: [rec.transformation] to its component`);
            const dependsOn = opts.dependsOn === undefined ? [] : [opts.dependsOn].flat();
            return {
                parent: opts.parent && nameOf(opts.parent),
                dependsOn: dependsOn.map(nameOf),
                retainOnDelete: opts.retainOnDelete,
                deleteBeforeReplace: opts.deleteBeforeReplace,
                replaceOnChanges: opts.replaceOnChanges,
                ignoreChanges: opts.ignoreChanges,
                protect: opts.protect,
            };
        },
        reset() {
            resources.splice(0, resources.length);
            options.clear();
            names.clear();
        },
    };
}

/** Install mocks; the mock's `call` fails loudly on any invoke the program should not make. */
export async function installMocks(rec: Recorder, stack = "tenant1", config: Record<string, string> = {}, secretKeys: string[] = []) {
    pulumi.runtime.setAllConfig(config, secretKeys);
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                const secretInputs = new Set(Object.keys(args.inputs).filter((k) => isSecretValue(args.inputs[k])));
                const inputs = unwrap(args.inputs) as Record<string, any>;
                rec.resources.push({ type: args.type, name: args.name, inputs, secretInputs });
                return { id: `${args.name}-id`, state: outputsFor(args.type, args.name, inputs) };
            },
            call(args) {
                throw new Error(`unexpected invoke ${args.token}`);
            },
        },
        "frontbase",
        stack,
        false,
    );
}

/** The value of an output, awaited (an expect inside an un-awaited apply would never run). */
export function valueOf<T>(o: pulumi.Input<T> | undefined): Promise<T> {
    return new Promise((resolve) => pulumi.output(o as pulumi.Input<T>).apply((v) => resolve(v as T)));
}

/** Wait until every resource of the program has been registered with the mock monitor. */
export async function settle(outputs: Record<string, unknown>): Promise<Record<string, any>> {
    const entries = await Promise.all(
        Object.entries(outputs).map(async ([k, v]) => [k, await valueOf(v as pulumi.Input<unknown>)] as const),
    );
    // Registration of children runs on the same event loop; let it drain.
    await new Promise((r) => setTimeout(r, 0));
    return Object.fromEntries(entries);
}

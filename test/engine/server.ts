// The gRPC face of the engine double: Pulumi's ResourceMonitor and Engine services, served
// from the service definitions shipped in @pulumi/pulumi/proto, so that the real program
// runner talks to it exactly as it talks to `pulumi up`. Decisions live in the handler.
import * as grpc from "@grpc/grpc-js";
import * as engrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engpb from "@pulumi/pulumi/proto/engine_pb";
import * as resrpc from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as respb from "@pulumi/pulumi/proto/resource_pb";
import { createRequire } from "module";
import { fromStruct, toStruct } from "./serialize";
import { Diagnostic, RegisterOptions, WireMap } from "./types";

const protoRequire = createRequire(require.resolve("@pulumi/pulumi/proto/resource_pb"));
const emptyPb = protoRequire("google-protobuf/google/protobuf/empty_pb") as typeof import("google-protobuf/google/protobuf/empty_pb");

/** A RegisterResource request before the engine has given it a URN. */
export interface RegisterRequest {
    readonly type: string;
    readonly name: string;
    readonly custom: boolean;
    readonly wire: WireMap;
    readonly options: RegisterOptions;
}

export interface MonitorHandler {
    supportsFeature(id: string): boolean;
    registerResource(req: RegisterRequest): Promise<{ urn: string; id: string; outputs: WireMap }>;
    registerResourceOutputs(urn: string, outputs: WireMap): void;
    /** Must throw for any token it does not know: an unexpected invoke is a failure. */
    invoke(token: string, args: WireMap): Promise<WireMap>;
    log(d: Diagnostic): void;
    rootUrn: string | undefined;
}

export interface Served {
    readonly address: string;
    close(): Promise<void>;
}

type Callback<T> = (err: grpc.ServiceError | null, value?: T) => void;
type Call<Req> = { request: Req };

function fail(code: grpc.status, e: unknown): grpc.ServiceError {
    const message = e instanceof Error ? e.message : String(e);
    return Object.assign(new Error(message), { code, details: message, metadata: new grpc.Metadata() });
}

/** Wrap an async handler so that a throw becomes a gRPC error the runner reports. */
function unary<Req, Res>(fn: (req: Req) => Promise<Res> | Res) {
    return (call: Call<Req>, cb: Callback<Res>) => {
        Promise.resolve()
            .then(() => fn(call.request))
            .then(
                (res) => cb(null, res),
                (e) => cb(fail(grpc.status.UNKNOWN, e)),
            );
    };
}

function unimplemented(what: string) {
    return (_call: unknown, cb: Callback<never>) => cb(fail(grpc.status.UNIMPLEMENTED, `engine double: ${what} is not implemented`));
}

export function decodeRegisterRequest(req: respb.RegisterResourceRequest): RegisterRequest {
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((deps, key) => void (propertyDependencies[key] = deps.getUrnsList()));
    const options: RegisterOptions = {
        parent: req.getParent() || undefined,
        dependencies: req.getDependenciesList(),
        propertyDependencies,
        deleteBeforeReplace: req.getDeletebeforereplacedefined() ? req.getDeletebeforereplace() : undefined,
        retainOnDelete: req.hasRetainondelete() ? req.getRetainondelete() : undefined,
        protect: req.hasProtect() ? req.getProtect() : undefined,
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        ignoreChanges: req.getIgnorechangesList(),
        replaceOnChanges: req.getReplaceonchangesList(),
        deletedWith: req.getDeletedwith() || undefined,
        provider: req.getProvider() || undefined,
        version: req.getVersion() || undefined,
        importId: req.getImportid() || undefined,
        aliases: req.getAliasesList().length + req.getAliasurnsList().length,
    };
    return { type: req.getType(), name: req.getName(), custom: req.getCustom(), wire: fromStruct(req.getObject()), options };
}

const SEVERITY: Record<number, Diagnostic["severity"]> = { 0: "debug", 1: "info", 2: "warning", 3: "error" };

function monitorService(h: MonitorHandler): grpc.UntypedServiceImplementation {
    return {
        supportsFeature: unary((req: respb.SupportsFeatureRequest) =>
            new respb.SupportsFeatureResponse().setHassupport(h.supportsFeature(req.getId())),
        ),
        registerResource: unary(async (req: respb.RegisterResourceRequest) => {
            const out = await h.registerResource(decodeRegisterRequest(req));
            return new respb.RegisterResourceResponse()
                .setUrn(out.urn)
                .setId(out.id)
                .setObject(toStruct(out.outputs))
                .setResult(respb.Result.SUCCESS);
        }),
        registerResourceOutputs: unary((req: respb.RegisterResourceOutputsRequest) => {
            h.registerResourceOutputs(req.getUrn(), fromStruct(req.getOutputs()));
            return new emptyPb.Empty();
        }),
        invoke: unary(async (req: respb.ResourceInvokeRequest) => {
            const ret = await h.invoke(req.getTok(), fromStruct(req.getArgs()));
            const provpb = protoRequire("./provider_pb") as typeof import("@pulumi/pulumi/proto/provider_pb");
            return new provpb.InvokeResponse().setReturn(toStruct(ret));
        }),
        // Nothing runs after the program here: deletions happen once the runner has exited.
        signalAndWaitForShutdown: unary(() => new emptyPb.Empty()),
        // Features answered "no" in supportsFeature, so a program using them fails loudly.
        call: unimplemented("Call (remote component methods)"),
        readResource: unimplemented("ReadResource (Resource.get)"),
        registerStackTransform: unimplemented("transforms"),
        registerStackInvokeTransform: unimplemented("invoke transforms"),
        registerResourceHook: unimplemented("resource hooks"),
        registerErrorHook: unimplemented("error hooks"),
        registerPackage: unimplemented("parameterized packages"),
        getDeploymentInfo: unimplemented("GetDeploymentInfo"),
    };
}

function engineService(h: MonitorHandler): grpc.UntypedServiceImplementation {
    return {
        log: unary((req: engpb.LogRequest) => {
            h.log({ severity: SEVERITY[req.getSeverity()] ?? "info", message: req.getMessage(), urn: req.getUrn() || undefined });
            return new emptyPb.Empty();
        }),
        getRootResource: unary(() => new engpb.GetRootResourceResponse().setUrn(h.rootUrn ?? "")),
        setRootResource: unary((req: engpb.SetRootResourceRequest) => {
            h.rootUrn = req.getUrn();
            return new engpb.SetRootResourceResponse();
        }),
        startDebugging: unimplemented("StartDebugging"),
        requirePulumiVersion: unimplemented("RequirePulumiVersion (the double is not a CLI version)"),
    };
}

export async function serve(h: MonitorHandler): Promise<Served> {
    // Same limits as the SDK's own channels (400 MB messages).
    const server = new grpc.Server({
        "grpc.max_receive_message_length": 400 * 1024 * 1024,
        "grpc.max_send_message_length": 400 * 1024 * 1024,
    });
    server.addService(resrpc.ResourceMonitorService as unknown as grpc.ServiceDefinition, monitorService(h));
    server.addService(engrpc.EngineService as unknown as grpc.ServiceDefinition, engineService(h));
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    return {
        address: `127.0.0.1:${port}`,
        close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
    };
}

// The Docker realizer: a TEST DOUBLE for the Docker and random providers behind the engine
// double, not a deployment path. Each module maps one resource type's documented
// @pulumi/docker (or @pulumi/random) inputs one-to-one onto the Docker Engine API; an input
// it does not implement is an error, never silently dropped.
import { containerProvider } from "./containers";
import { remoteImageProvider } from "./images";
import { serviceProvider } from "./services";
import { networkProvider } from "./networks";
import { Provider } from "./provider";
import { randomPasswordProvider } from "./random";
import { unknownInputs } from "./schema";
import { volumeProvider } from "./volumes";

export { InitError } from "./provider";
export type { Provider, RealizeContext, State } from "./provider";

const PROVIDERS: Record<string, Provider> = {
    "docker:index/network:Network": networkProvider,
    "docker:index/volume:Volume": volumeProvider,
    "docker:index/remoteImage:RemoteImage": remoteImageProvider,
    "docker:index/container:Container": containerProvider,
    "docker:index/service:Service": serviceProvider,
    "random:index/randomPassword:RandomPassword": randomPasswordProvider,
};

export function providerFor(type: string): Provider {
    const p = PROVIDERS[type];
    if (!p) throw new Error(`engine double: no provider for resource type ${type} (supported: ${Object.keys(PROVIDERS).join(", ")})`);
    return p;
}

/** Reject inputs the double does not implement, naming them. */
export function check(type: string, inputs: Record<string, unknown>): void {
    const schema = providerFor(type).schema;
    const extra = unknownInputs(schema, inputs);
    if (extra.length > 0)
        throw new Error(
            `engine double: ${type} input(s) ${extra.join(", ")} not implemented (implemented: ${Object.keys(schema).join(", ")})`,
        );
}

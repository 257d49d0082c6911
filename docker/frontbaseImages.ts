// Are a tenant's Frontbase images on its Docker host? Frontbase publishes no images: each host
// builds them (scripts/build-frontbase-images.sh, or `npm run images:frontbase`), so a missing one
// would otherwise surface inside `pulumi up` as a failed pull from a registry that never had it,
// after other resources changed. `preflight` and the program both ask here, before anything changes.
import type Docker from "dockerode";
import type { TenantConfig } from "../components/config";
import { RELEASE_SERVICES, ReleaseService } from "../components/release";

export const BUILD_HINT =
    "Frontbase publishes no images, so build them there once: bash scripts/build-frontbase-images.sh [<path to a Frontbase checkout>] (npm run deploy does it for you)";

export interface MissingImage {
    readonly service: ReleaseService;
    readonly image: string;
    /** Names the image, where it is declared and the build command. */
    readonly problem: string;
}

/** The image ID of `ref` on the host, or undefined when it has none by that name. */
export async function imageIdOf(docker: Docker, ref: string): Promise<string | undefined> {
    try {
        return (await docker.getImage(ref).inspect()).Id;
    } catch (e) {
        if ((e as { statusCode?: number }).statusCode === 404) return undefined;
        throw e;
    }
}

export async function missingFrontbaseImages(
    docker: Docker,
    cfg: Pick<TenantConfig, "images" | "standing" | "release">,
    dockerHost: string,
): Promise<MissingImage[]> {
    const missing: MissingImage[] = [];
    for (const service of RELEASE_SERVICES) {
        const image = cfg.images[service];
        if ((await imageIdOf(docker, image)) !== undefined) continue;
        const fromRelease = cfg.release !== undefined && !(cfg.standing.kind === "own" && cfg.standing.services.includes(service));
        const problem = fromRelease
            ? `image ${image} (release ${cfg.release}: frontbase:releases.${cfg.release}.${service} in Pulumi.yaml) is not on the Docker host ${dockerHost}; ` +
              `build the release there: bash scripts/build-frontbase-images.sh [<Frontbase checkout at its commit>], or npm run images:frontbase, whichever made it (both print the release they built)`
            : `image ${image} (frontbase:images.${service}) is not on the Docker host ${dockerHost}; ${BUILD_HINT}`;
        missing.push({ service, image, problem });
    }
    return missing;
}

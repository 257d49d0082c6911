// Releases: which Frontbase images the fleet runs, declared once in git. Pure: no Pulumi import.
//
// Pulumi.yaml holds the catalog and the fleet's release (project config, merged into every stack's
// config by the Pulumi CLI; project/projectConfig.ts):
//
//   config:
//     frontbase:releases:
//       value:
//         fb-3d40eed32372:
//           backend: frontbase-backend:3d40eed32372
//           edge: frontbase-edge:3d40eed32372
//           frontend: frontbase-frontend:3d40eed32372
//     frontbase:release: fb-3d40eed32372
//
// A stack file may name another release of the catalog (`frontbase:release: fb-next`: a canary, or
// a tenant held back). Images are immutable: a tag per upstream commit or content hash, or a
// digest; never `latest`, never untagged. Which images a tenant runs, in order: its stack file's
// `frontbase:images.<service>`, else its release's, else the old `frontbase-*:latest` defaults.
import type { ImageKey } from "./defaults";

/** The services whose images Frontbase's build makes; the rest are upstream images pinned by version. */
export const RELEASE_SERVICES = ["backend", "edge", "frontend"] as const satisfies readonly ImageKey[];
export type ReleaseService = (typeof RELEASE_SERVICES)[number];
export type ReleaseImages = Record<ReleaseService, string>;

/** The keys Pulumi.yaml declares for the whole project; the proxy stack receives them too, and ignores them. */
export const PROJECT_KEYS = ["release", "releases"] as const;

export const RELEASE_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const RELEASE_NAME_RULE = "1-63 of a-z 0-9 . _ -, starting with a letter or digit";
const IMAGE_REF = /^[a-z0-9][a-zA-Z0-9._/:@-]*$/;

/** Why `ref` does not name one image for good, or undefined when it does. */
export function mutableImageProblem(ref: string): string | undefined {
    if (!IMAGE_REF.test(ref)) return `"${ref}" is not an image reference`;
    if (/@sha256:[0-9a-f]{64}$/.test(ref)) return undefined;
    const last = ref.slice(ref.lastIndexOf("/") + 1);
    const tag = last.includes(":") ? last.slice(last.lastIndexOf(":") + 1) : undefined;
    if (tag === undefined) return `"${ref}" has no tag, which means :latest`;
    if (tag === "latest") return `"${ref}" is :latest, which moves with every build`;
    return undefined;
}

/**
 * `frontbase:releases` as the program receives it (decoded JSON): release name -> its three
 * images. Problems name the key path and what is allowed.
 */
export function parseReleases(raw: unknown): { releases: Record<string, ReleaseImages>; problems: string[] } {
    const problems: string[] = [];
    const releases: Record<string, ReleaseImages> = {};
    if (typeof raw !== "object" || raw === null || Array.isArray(raw))
        return { releases, problems: ["frontbase:releases: must be a map of release names to {backend, edge, frontend} images"] };
    for (const [name, images] of Object.entries(raw)) {
        const at = `frontbase:releases.${name}`;
        if (!RELEASE_NAME.test(name)) problems.push(`${at}: a release name is ${RELEASE_NAME_RULE}`);
        if (typeof images !== "object" || images === null || Array.isArray(images)) {
            problems.push(`${at}: must be {backend, edge, frontend}: an image reference each`);
            continue;
        }
        const extra = Object.keys(images).filter((k) => !(RELEASE_SERVICES as readonly string[]).includes(k));
        if (extra.length > 0) problems.push(`${at}: unknown key(s) ${extra.join(", ")}; allowed: ${RELEASE_SERVICES.join(", ")}`);
        for (const s of RELEASE_SERVICES) {
            const ref = (images as Record<string, unknown>)[s];
            const problem =
                typeof ref !== "string"
                    ? "is required: an image reference with an immutable tag"
                    : mutableImageProblem(ref) &&
                      `${mutableImageProblem(ref)}; name an immutable tag (a commit or content hash) or a digest`;
            if (problem) problems.push(`${at}.${s}: ${problem}`);
        }
        releases[name] = images as ReleaseImages;
    }
    return { releases, problems };
}

/** The problem with `frontbase:release` naming `name` in `releases`, or undefined. */
export function unknownReleaseProblem(name: string, releases: Readonly<Record<string, unknown>> | undefined): string | undefined {
    if (releases && Object.hasOwn(releases, name)) return undefined;
    const known = Object.keys(releases ?? {}).sort();
    return `frontbase:release: unknown release "${name}"; ${known.length > 0 ? `the releases in frontbase:releases (Pulumi.yaml) are ${known.join(", ")}` : "there is no frontbase:releases in Pulumi.yaml"}`;
}

/** How a tenant's Frontbase images are chosen: its release's, its own, or the `:latest` defaults. */
export type ReleaseStanding =
    | { readonly kind: "release"; readonly name: string }
    /** Some Frontbase images set in its stack file (`frontbase:images`): it keeps them whatever the release. */
    | { readonly kind: "own"; readonly services: readonly ReleaseService[]; readonly release?: string }
    | { readonly kind: "none" };

export function standingOf(release: string | undefined, stackImages: Readonly<Partial<Record<ImageKey, string>>>): ReleaseStanding {
    const own = RELEASE_SERVICES.filter((s) => stackImages[s] !== undefined);
    if (own.length > 0) return { kind: "own", services: own, ...(release ? { release } : {}) };
    return release ? { kind: "release", name: release } : { kind: "none" };
}

/** `release fb-1`, `own images (backend, edge)`, `no release (frontbase-*:latest)`: one way to say it. */
export function describeStanding(s: ReleaseStanding): string {
    if (s.kind === "release") return `release ${s.name}`;
    if (s.kind === "own")
        return `own images (${s.services.join(", ")} in frontbase:images)${s.release ? `, not release ${s.release}` : ""}`;
    return "no release (frontbase-*:latest)";
}

// Releases in config: the catalog in Pulumi.yaml, the release a stack names, the images that follow.
import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_IMAGES, parseTenantConfig } from "../../components/config";
import { parseProxyConfig } from "../../components/proxy/config";
import { describeStanding, mutableImageProblem } from "../../components/release";

const R1 = { backend: "frontbase-backend:3d40eed32372", edge: "frontbase-edge:3d40eed32372", frontend: "frontbase-frontend:3d40eed32372" };
const R2 = { backend: "fb/backend:aa11", edge: "fb/edge:bb22", frontend: "fb/frontend@sha256:" + "c".repeat(64) };
const catalog = { "frontbase:releases": JSON.stringify({ r1: R1, r2: R2 }) };
const parse = (raw: Record<string, string>) => parseTenantConfig(raw, { stack: "t1" });
const problems = (raw: Record<string, string>) => {
    try {
        parse(raw);
        return [];
    } catch (e) {
        return (e as ConfigError).problems;
    }
};

describe("a tenant's release", () => {
    it("takes the Frontbase images of the release it names, and keeps the upstream images pinned", () => {
        const cfg = parse({ ...catalog, "frontbase:release": "r2" });
        expect(cfg.images).toEqual({ ...DEFAULT_IMAGES, ...R2 });
        expect([cfg.release, describeStanding(cfg.standing)]).toEqual(["r2", "release r2"]);
    });

    it("keeps the images its stack file sets, whatever the release (it is then on its own images)", () => {
        const cfg = parse({
            ...catalog,
            "frontbase:release": "r1",
            "frontbase:images": JSON.stringify({ backend: "mine:1", redis: "redis:7" }),
        });
        expect(cfg.images).toMatchObject({ backend: "mine:1", edge: R1.edge, frontend: R1.frontend, redis: "redis:7" });
        expect(describeStanding(cfg.standing)).toBe("own images (backend in frontbase:images), not release r1");
    });

    it("without any release keeps the old defaults, and says so", () => {
        const cfg = parse({});
        expect([cfg.images.backend, describeStanding(cfg.standing)]).toEqual([
            "frontbase-backend:latest",
            "no release (frontbase-*:latest)",
        ]);
        expect(parse(catalog).standing).toEqual({ kind: "none" });
    });

    it("refuses a release the catalog does not have, naming the ones it has", () => {
        expect(problems({ ...catalog, "frontbase:release": "r3" })).toEqual([
            'frontbase:release: unknown release "r3"; the releases in frontbase:releases (Pulumi.yaml) are r1, r2',
        ]);
        expect(problems({ "frontbase:release": "r1" })).toEqual([
            'frontbase:release: unknown release "r1"; there is no frontbase:releases in Pulumi.yaml',
        ]);
    });

    it("refuses mutable images, missing or unknown services, and bad names in the catalog, each by its path", () => {
        const bad = { "Bad Name": R1, r4: { backend: "frontbase-backend:latest", edge: "frontbase-edge", db: "x:1" } };
        expect(problems({ "frontbase:releases": JSON.stringify(bad) })).toEqual([
            "frontbase:releases.Bad Name: a release name is 1-63 of a-z 0-9 . _ -, starting with a letter or digit",
            "frontbase:releases.r4: unknown key(s) db; allowed: backend, edge, frontend",
            'frontbase:releases.r4.backend: "frontbase-backend:latest" is :latest, which moves with every build; name an immutable tag (a commit or content hash) or a digest',
            'frontbase:releases.r4.edge: "frontbase-edge" has no tag, which means :latest; name an immutable tag (a commit or content hash) or a digest',
            "frontbase:releases.r4.frontend: is required: an image reference with an immutable tag",
        ]);
        expect(problems({ "frontbase:releases": '"r1"' })).toEqual([
            "frontbase:releases: must be a map of release names to {backend, edge, frontend} images",
        ]);
    });

    it("tells a registry's port from a tag", () => {
        expect(mutableImageProblem("reg:5000/fb/backend")).toBe('"reg:5000/fb/backend" has no tag, which means :latest');
        expect(mutableImageProblem("reg:5000/fb/backend:abc")).toBeUndefined();
    });

    it("is ignored by the proxy stack, which Pulumi.yaml's config reaches too", () => {
        const cfg = parseProxyConfig({ ...catalog, "frontbase:release": "r1", "frontbase:tls": "internal" });
        expect(cfg.tls).toBe("internal");
        expect(() => parseProxyConfig({ "frontbase:tls": "internal", "frontbase:database": "sqlite" })).toThrow(
            "unknown key(s) frontbase:database",
        );
    });
});

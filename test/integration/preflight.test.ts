// `npm run deploy`'s preflight against the real engine: Frontbase images must be built on the
// host (a clear problem naming the build script), upstream ones may be pulled (a note).
import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { preflight } from "../../cli/ops/preflight";
import { REAL_IMAGES, REAL_TENANT_IMAGES } from "../images/frontbase";
import { tempProject } from "../support/cliRun";
import { probeDocker } from "./support/probe";

// The real Frontbase images (npm run images:frontbase): what preflight must find built on the host.
const probe = probeDocker(Object.values(REAL_IMAGES), "the preflight checks");

describe.skipIf(probe.reason)("preflight on the real engine", () => {
    const stack = (images: Record<string, string>, database = "sqlite") => {
        const dir = tempProject();
        const lines = Object.entries(images).map(([k, v]) => `    ${k}: ${v}`);
        writeFileSync(
            path.join(dir, "Pulumi.acme.yaml"),
            `config:\n  frontbase:database: ${database}\n  frontbase:images:\n${lines.join("\n")}\n`,
        );
        return dir;
    };

    it("is ready when the Frontbase images are on the host", async () => {
        const r = await preflight(stack(REAL_TENANT_IMAGES), "acme");
        expect([r.problems, r.notes]).toEqual([[], []]);
    });

    it("leaves images it cannot read to pulumi up: frontbase:images with a secure value inside is secret as a whole", async () => {
        const dir = stack({ ...REAL_TENANT_IMAGES, backend: "frontbase-backend:never-built" });
        const file = path.join(dir, "Pulumi.acme.yaml");
        writeFileSync(
            file,
            readFileSync(file, "utf8").replace("backend: frontbase-backend:never-built", "backend:\n      secure: v1:AAAA:AAAA"),
        );
        const r = await preflight(dir, "acme");
        expect(r.problems).toEqual([]);
        expect(r.imagesChecked).toBe(false);
        // The suite's setup unsets PULUMI_CONFIG_PASSPHRASE: the secure value cannot be opened here either.
        expect(r.notes).toEqual([
            `PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) is not set: frontbase:images in ${file} are not checked here; pulumi up will ask for the passphrase`,
            "frontbase:images is secret (a secure value inside it), so its images are not checked here; pulumi up reads them",
        ]);
    });

    it("stops a deploy whose Frontbase image was never built, naming the build script (which npm run deploy runs)", async () => {
        const r = await preflight(stack({ ...REAL_TENANT_IMAGES, backend: "frontbase-backend:never-built" }), "acme");
        expect(r.problems).toEqual([
            `image frontbase-backend:never-built (frontbase:images.backend) is not on the Docker host ${r.dockerHost}; Frontbase publishes no images, ` +
                "so build them there once: bash scripts/build-frontbase-images.sh [<path to a Frontbase checkout>] (npm run deploy does it for you)",
        ]);
        expect(r.missingImages).toEqual(["frontbase-backend:never-built"]);
    });

    it("only notes an upstream image that pulumi up will pull", async () => {
        const r = await preflight(stack({ ...REAL_TENANT_IMAGES, postgres: "postgres:0.0-never-pulled" }, "postgres"), "acme");
        expect(r.problems).toEqual([]);
        expect(r.notes).toEqual([
            "image postgres:0.0-never-pulled (frontbase:images.postgres) is not on the Docker host yet; pulumi up will pull it",
        ]);
    });
});

// The sample outputs of docs/releases.md, produced by the real commands in-process against a fake
// Engine (test/support/docSamples.ts): `tenant check` over a fleet on different releases,
// `preflight` refusing a release the host has not built, `affected` on a release bump in a real
// git repository, and a rollout whose canary's `pulumi up` fails. The rollout's `pulumi up` is a
// stand-in that exits 1 after 20.5 s of a fake clock, as the real one does for a backend that
// cannot start (test/integration/rollout.test.ts): everything the rollout prints is its own.
import { writeFileSync } from "fs";
import * as path from "path";
import type { PulumiRunner } from "../../../tenants/context";
import type { FakeContainer } from "../../support/fakeEngine";
import { gitProject, session, tenantLabels } from "../../support/docSamples";

const [R1, R2] = ["fb-3d40eed32372", "fb-9a1c77e0b5d2"];
const imagesOf = (release: string) => {
    const tag = release.slice("fb-".length);
    return { backend: `frontbase-backend:${tag}`, edge: `frontbase-edge:${tag}`, frontend: `frontbase-frontend:${tag}` };
};
/** What every host here has besides Frontbase's images: the upstream ones a deploy pulled. */
const UPSTREAM = ["redis:7.4.2-alpine", "hiett/serverless-redis-http:0.0.10"];

/** Pulumi.yaml: the catalog of both releases, the fleet on `release`. */
function project(release: string): string {
    const entry = (r: string) =>
        `      ${r}:\n${Object.entries(imagesOf(r))
            .map(([s, image]) => `        ${s}: ${image}\n`)
            .join("")}`;
    return `name: frontbase\nruntime: nodejs\nconfig:\n  frontbase:releases:\n    value:\n${entry(R1)}${entry(R2)}  frontbase:release: ${release}\n`;
}

/** Tenant `t`'s stack file, its ports pinned (the n-th tenant of the fleet), plus `extra` config. */
const stack = (t: string, n: number, extra = "") =>
    `config:\n  frontbase:tenant: ${t}\n  frontbase:ports:\n    backend: ${8000 + n}\n    edge: ${3002 + n}\n    frontend: ${8100 + n}\n    redisHttp: ${8200 + n}\n${extra}`;

/** acme and delta on the fleet's release, beta a canary naming R2, legacy with its own backend from before releases. */
const FLEET = {
    "Pulumi.acme.yaml": stack("acme", 1),
    "Pulumi.beta.yaml": stack("beta", 2, `  frontbase:release: ${R2}\n`),
    "Pulumi.delta.yaml": stack("delta", 3),
    "Pulumi.legacy.yaml": stack("legacy", 4, "  frontbase:images:\n    backend: frontbase-backend:latest\n"),
};

/** `tenant check`: which tenant is on which release. */
export async function releasesCheck(): Promise<Record<string, string>> {
    const s = await session({ files: { "Pulumi.yaml": project(R1), ...FLEET } });
    try {
        return { "releases-check": await s.tenant(["check"]) };
    } finally {
        await s.close();
    }
}

/** `preflight` of a tenant moved to R2, on a host that has built only R1. */
export async function releasesImageMissing(): Promise<Record<string, string>> {
    const s = await session({
        files: { "Pulumi.yaml": project(R2), "Pulumi.acme.yaml": stack("acme", 1) },
        images: [...Object.values(imagesOf(R1)), ...UPSTREAM],
    });
    try {
        return { "releases-image-missing": await s.tenant(["preflight", "acme"]) };
    } finally {
        await s.close();
    }
}

/** `affected` on a commit that moves the fleet from R1 to R2, in a real git repository. */
export async function releasesAffected(): Promise<Record<string, string>> {
    const s = await session({ files: { "Pulumi.yaml": project(R1), ...FLEET } });
    try {
        const git = gitProject(s);
        writeFileSync(path.join(s.projectDir, "Pulumi.yaml"), project(R2));
        git("commit", "-q", "-am", `release ${R2}`);
        return { "releases-affected": await s.tenant(["affected", "--base", "origin/main"]) };
    } finally {
        await s.close();
    }
}

/** The fleet's rollout to R2: four tenants on R1, waves 1,100%, two at once; the canary's `pulumi up` fails. */
export async function releasesRollout(): Promise<Record<string, string>> {
    const tenants = ["acme", "beta", "delta", "gamma"];
    const old: Record<string, string> = imagesOf(R1);
    const running = tenants.flatMap((t) =>
        ["redis", "redis-http", "backend", "edge", "frontend"].map((service): FakeContainer => ({
            name: `${t}_frontbase-${service}-1`,
            state: "running",
            labels: tenantLabels(t, service),
            ...(service === "redis-http" ? {} : { health: "healthy" }),
            ...(old[service] ? { image: old[service] } : {}),
        })),
    );
    let clock = Date.parse("2026-12-04T09:00:00Z");
    const pulumi: PulumiRunner = async (args) => {
        if (args[0] !== "up") return 0; // `stack select --create`: the backend has every stack
        clock += 20_500;
        return 1;
    };
    const s = await session({
        files: { "Pulumi.yaml": project(R2), ...Object.fromEntries(tenants.map((t, i) => [`Pulumi.${t}.yaml`, stack(t, i + 1)])) },
        containers: running,
        images: [...Object.values(imagesOf(R1)), ...Object.values(imagesOf(R2)), ...UPSTREAM],
        given: { pulumi, now: () => clock, sleep: async (ms) => void (clock += ms) },
    });
    try {
        const printed = await s.tenant(["rollout", "--all", "--waves", "1,100%", "--parallel", "2", "--yes"]);
        // Typed as the docs type it: `npm run rollout` is `npm run tenant -- rollout` (test/unit/ops/rollout.test.ts).
        return { "releases-rollout": printed.replace(/^\$ npm run tenant -- rollout /, "$ npm run rollout -- ") };
    } finally {
        await s.close();
    }
}

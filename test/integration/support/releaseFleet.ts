// A fleet of real tenants that releases roll over, for the rollout suite and the bench: a copy
// of the project whose Pulumi.yaml declares the releases made here, tenants made by `tenant new`
// (credentials in their stack files), and `tenant rollout` run in this process with the engine
// double as its `pulumi up` (support/harnessPulumi.ts).
import { promises as fs, readFileSync } from "fs";
import * as path from "path";
import { main } from "../../../cli/main";
import { updateStackFile } from "../../../project/stackFiles";
import { REAL_IMAGES, REAL_TENANT_IMAGES } from "../../images/frontbase";
import { docker, removeTenant } from "./docker";
import { imageVariant, tempDir, tenantCli } from "./fleet";
import { harnessPulumi } from "./harnessPulumi";
import { copyProject, ProjectCopy, PROJECT_DIR } from "./projectCopy";

export const RELEASE_SERVICES = ["backend", "edge", "frontend"] as const;
export type Images = Record<(typeof RELEASE_SERVICES)[number], string>;

export interface RolloutRun {
    readonly code: number;
    /** What `--json` printed. */
    readonly json: {
        ok: boolean;
        waves: string[][];
        stacks: { stack: string; state: string; gate?: string; why?: string }[];
        onTarget: string[];
        notOnTarget: string[];
        wallMs: number;
        perStackMs?: number;
        resume?: string;
    };
    /** The lines, one per stack and gate. */
    readonly err: string;
    /** The `pulumi up`s it asked for. */
    readonly calls: string[][];
}

export interface ReleaseFleet {
    readonly project: ProjectCopy;
    readonly stateDir: string;
    readonly lockDir: string;
    readonly releases: Record<string, Images>;
    /** The real images under tags of this fleet's own: a release like one `npm run images:frontbase` prints. */
    tagRealImages(name: string): Promise<Images>;
    /** A release whose images differ from `base`'s (new image IDs, as after a rebuild). */
    variantOf(name: string, base: Images, only?: readonly (keyof Images)[]): Promise<Images>;
    /** An image of this fleet's own, removed at cleanup. */
    own(image: string): void;
    /** Pulumi.yaml with every release made so far, the fleet on `release`. */
    declare(release: string): Promise<void>;
    rollout(argv: readonly string[]): Promise<RolloutRun>;
    cleanup(): Promise<void>;
}

/**
 * Makes the project and `stacks` (tenant new, sqlite, loopback, short health intervals unless
 * `defaultHealth`: then the program's own); PULUMI_CONFIG_PASSPHRASE must be set.
 */
export async function releaseFleet(stacks: readonly string[], o: { defaultHealth?: boolean } = {}): Promise<ReleaseFleet> {
    const [project, stateDir, lockDir] = await Promise.all([copyProject(), tempDir("state"), tempDir("locks")]);
    const releases: Record<string, Images> = {};
    const made: string[] = [];
    const declare = async (release: string) => {
        const head = readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8").split(/^config:/m)[0];
        const catalog = Object.entries(releases).map(([n, i]) => `      ${n}: ${JSON.stringify(i)}`);
        await fs.writeFile(
            path.join(project.dir, "Pulumi.yaml"),
            `${head}config:\n  frontbase:releases:\n    value:\n${catalog.join("\n")}\n  frontbase:release: ${release}\n`,
        );
    };
    const fleet: ReleaseFleet = {
        project,
        stateDir,
        lockDir,
        releases,
        async tagRealImages(name) {
            const images = {} as Images;
            for (const s of RELEASE_SERVICES) {
                const [repo] = REAL_IMAGES[s].split(":");
                await docker.getImage(REAL_IMAGES[s]).tag({ repo, tag: name });
                made.push((images[s] = `${repo}:${name}`));
            }
            return (releases[name] = images);
        },
        async variantOf(name, base, only = RELEASE_SERVICES) {
            const images = { ...base };
            for (const s of only) made.push((images[s] = await imageVariant(base[s], name)));
            return (releases[name] = images);
        },
        own: (image) => void made.push(image),
        declare,
        async rollout(argv) {
            const pulumi = harnessPulumi({ projectDir: project.dir, stateDir });
            let out = "";
            let err = "";
            process.env.FRONTBASE_PROJECT_DIR = project.dir;
            process.env.FRONTBASE_LOCK_DIR = lockDir;
            const io = { out: (t: string) => void (out += `${t}\n`), err: (t: string) => void (err += `${t}\n`) };
            const code = await main(["rollout", ...argv], io, { pulumi });
            return { code, json: JSON.parse(out), err, calls: pulumi.calls };
        },
        async cleanup() {
            await Promise.all(stacks.map((t) => removeTenant(t)));
            for (const image of made.reverse())
                await docker
                    .getImage(image)
                    .remove()
                    .catch(() => undefined);
            await Promise.all([project.remove(), ...[stateDir, lockDir].map((d) => fs.rm(d, { recursive: true, force: true }))]);
            delete process.env.FRONTBASE_PROJECT_DIR;
            delete process.env.FRONTBASE_LOCK_DIR;
        },
    };
    for (const t of stacks) {
        const r = await tenantCli(["new", t, "--json"], project.dir, lockDir);
        if (r.code !== 0) throw new Error(`tenant new ${t}: ${r.err}`);
        // The upstream services' images built here; loopback; short health intervals (README: healthInterval).
        const { redis, redisHttp, postgres } = REAL_TENANT_IMAGES;
        await updateStackFile(path.join(project.dir, `Pulumi.${t}.yaml`), {
            "frontbase:images": { redis, redisHttp, postgres },
            "frontbase:bindAddress": "127.0.0.1",
            ...(o.defaultHealth ? {} : { "frontbase:healthInterval": 2 }),
        });
    }
    return fleet;
}

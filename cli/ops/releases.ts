// Which tenant is on which release, as git declares it (`tenant check`). Pure: stack files already
// read (with Pulumi.yaml's config merged in) in, lines and problems out.
import { describeStanding } from "../../components/release";
import type { StackPins } from "../../project/stackPins";
import { indent } from "../table";

export interface ReleaseReport {
    /** One line per group: `release fb-2 (its stack file): canary`. */
    readonly lines: readonly string[];
    /** Stack files that set the catalog themselves: a stack's `frontbase:releases` replaces Pulumi.yaml's whole. */
    readonly problems: readonly { readonly files: readonly string[]; readonly message: string }[];
}

export function releaseReport(stacks: readonly StackPins[]): ReleaseReport {
    const groups = new Map<string, string[]>();
    const problems: { files: string[]; message: string }[] = [];
    for (const s of stacks) {
        if (s.raw["frontbase:releases"] !== undefined && s.fromProject && !s.fromProject.has("frontbase:releases"))
            problems.push({
                files: [s.file],
                message: `${s.file}: frontbase:releases: the catalog of releases belongs in Pulumi.yaml (a stack file's replaces it whole); name a release with frontbase:release instead`,
            });
        if (!s.config) continue; // an invalid file: its problems are the fleet check's
        const own = s.config.standing.kind === "release" && s.fromProject && !s.fromProject.has("frontbase:release");
        const label = `${describeStanding(s.config.standing)}${own ? " (named in its stack file)" : ""}`;
        groups.set(label, [...(groups.get(label) ?? []), s.tenant]);
    }
    const lines = [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([label, tenants]) => `${label}: ${tenants.sort().join(", ")}`);
    return { lines, problems };
}

/** The lines as `tenant check` prints them, under the fleet's release. */
export function renderReleases(r: ReleaseReport, stacks: readonly StackPins[]): string {
    const fleet = stacks.find((s) => s.fromProject?.has("frontbase:release"))?.raw["frontbase:release"];
    const head = fleet ? `releases (Pulumi.yaml's frontbase:release is ${fleet}):` : "releases (Pulumi.yaml names none):";
    return [head, indent(r.lines.join("\n") || "no valid tenant stack file")].join("\n");
}

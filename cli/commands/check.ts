// `npm run tenant -- check`: the fleet check of the project's stack files.
import * as path from "path";
import { checkFleet } from "../../ports/fleetCheck";
import { readStackPins } from "../../project/stackPins";
import { defineCommand } from "../command";
import { requireProject } from "../../tenants/context";
import { releaseReport, renderReleases } from "../ops/releases";

export const command = defineCommand({
    name: "check",
    summary: "the fleet check: every stack file valid, every port in range, none pinned twice; who is on which release",
    args: [],
    flags: {},
    notes: "Exit 1 when a file is invalid, a port lies outside its range or is reserved, or a port is pinned twice. Reads no Docker host.",
    async run(_, ctx) {
        const projectDir = requireProject(ctx);
        const pins = await readStackPins(projectDir, { lenient: true });
        const report = checkFleet(pins);
        const releases = releaseReport(pins);
        for (const note of report.notes) ctx.io.err(`note: ${note}`);
        const scope = `${report.files.length} stack file(s), ${report.tenants.length} tenant(s) in ${projectDir}`;
        const problems = [...report.problems, ...releases.problems];
        if (problems.length === 0) {
            ctx.io.out(`ok: ${scope}; every port in range, none pinned twice\n${renderReleases(releases, pins)}`);
            return 0;
        }
        const lines = problems.map((p) => `  - ${p.message}`);
        const files = [...new Set(problems.flatMap((p) => p.files))].map((f) => path.basename(f));
        ctx.io.out(
            `FAILED: ${problems.length} problem(s) in ${files.join(", ")} (${scope}):\n${lines.join("\n")}\n${renderReleases(releases, pins)}`,
        );
        return 1;
    },
});

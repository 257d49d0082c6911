// `npm run tenant -- check`: the fleet check of the project's stack files.
import { existsSync } from "fs";
import * as path from "path";
import { PROXY_STACK } from "../../components/naming";
import { checkFleet } from "../../ports/fleetCheck";
import { stackFileName } from "../../project/stackFiles";
import { readStackPins } from "../../project/stackPins";
import { defineCommand } from "../command";
import { requireProject } from "../../tenants/context";
import { proxyFileProblems } from "../ops/proxyChecks";
import { releaseReport, renderReleases } from "../ops/releases";

export const command = defineCommand({
    name: "check",
    summary: "the fleet check: every stack file valid (the proxy's too), every port in range, none pinned twice; who is on which release",
    readOnly: true,
    args: [],
    flags: {},
    notes: "Exit 1 when a file is invalid, a port lies outside its range or is reserved, or a port is pinned twice. Reads no Docker host.",
    async run(_, ctx) {
        const projectDir = requireProject(ctx);
        const pins = await readStackPins(projectDir, { lenient: true });
        const fleet = checkFleet(pins);
        const releases = releaseReport(pins);
        // The host's proxy stack is no tenant, but its file is the fleet's too.
        const proxy = await proxyFileProblems(projectDir);
        const proxyFile = path.join(projectDir, stackFileName(PROXY_STACK));
        const report = {
            ...fleet,
            files: existsSync(proxyFile) ? [...fleet.files, proxyFile] : fleet.files,
            problems: [...fleet.problems, ...proxy.map((message) => ({ files: [proxyFile], message }))],
        };
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

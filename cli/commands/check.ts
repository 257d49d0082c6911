// `npm run tenant -- check`: the fleet check of the project's stack files. Exits 1 when a
// file is invalid, a port lies outside its range or is reserved, or a port is pinned twice.
import * as path from "path";
import { checkFleet } from "../../ports/fleetCheck";
import { findProjectDir, readStackPins } from "../../project/stackPins";
import type { Command } from "../main";
import { parse, withUsage } from "../args";

const usage = "check";

export const command: Command = {
    usage,
    run: (argv, io) =>
        withUsage(usage, io, async () => {
            parse(argv, {}, []);
            const projectDir = findProjectDir();
            const report = checkFleet(await readStackPins(projectDir, { lenient: true }));
            for (const note of report.notes) io.err(`note: ${note}`);
            const scope = `${report.files.length} stack file(s), ${report.tenants.length} tenant(s) in ${projectDir}`;
            if (report.problems.length === 0) {
                io.out(`ok: ${scope}; every port in range, none pinned twice`);
                return 0;
            }
            const lines = report.problems.map((p) => `  - ${p.message}`);
            const files = [...new Set(report.problems.flatMap((p) => p.files))].map((f) => path.basename(f));
            io.out(`FAILED: ${report.problems.length} problem(s) in ${files.join(", ")} (${scope}):\n${lines.join("\n")}`);
            return 1;
        }),
};

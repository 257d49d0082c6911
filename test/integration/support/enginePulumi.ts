// A PulumiRunner (tenants/context.ts) that stands in for the Pulumi CLI with the engine double,
// in this process: the commands a drill runs (`stack select --create`, `up`, `destroy`,
// `stack rm`) on the stack file in `--cwd`, its secure values decrypted with the passphrase and
// the test images put in (as every suite that deploys real tenants does, realTenants.ts). Any
// other command or flag is refused loudly: a test must fail rather than have it ignored.
import { promises as fs } from "fs";
import * as path from "path";
import type { PulumiRunner } from "../../../tenants/context";
import { destroy, up } from "../../engine/engine";
import { loadStackFile, realTenant } from "./realTenants";

export function enginePulumi(stateDir: string): PulumiRunner & { calls: string[][] } {
    const calls: string[][] = [];
    const runner = async (args: readonly string[]): Promise<number> => {
        calls.push([...args]);
        const rest = [...args];
        const cwd = take(rest, "--cwd");
        if (cwd === undefined) throw new Error(`the engine double's runner needs --cwd: pulumi ${args.join(" ")}`);
        if (rest[0] === "stack" && rest[1] === "select" && rest[2] === "--create" && rest.length === 4) return 0; // made at the first up
        if (rest[0] === "stack" && rest[1] === "rm" && rest.slice(3).every((a) => a === "--yes" || a === "--force")) {
            await fs.rm(path.join(stateDir, `${rest[2]}.json`), { force: true });
            await fs.rm(path.join(cwd, `Pulumi.${rest[2]}.yaml`), { force: true });
            return 0;
        }
        const op = rest.shift();
        const stack = take(rest, "--stack");
        if ((op !== "up" && op !== "destroy") || !stack || rest.some((a) => a !== "--yes" && a !== "--skip-preview"))
            throw new Error(`the engine double's runner does not model pulumi ${args.join(" ")}`);
        const t = realTenant(stack, "sqlite");
        await loadStackFile(cwd, t);
        try {
            await (op === "up" ? up : destroy)({ projectDir: cwd, stack, stateDir, config: t.config, secretKeys: t.secretKeys });
            return 0;
        } catch (e) {
            console.log(`pulumi ${op} --stack ${stack} (engine double) failed: ${(e as Error).message}`);
            return 255;
        }
    };
    return Object.assign(runner, { calls });
}

function take(args: string[], flag: string): string | undefined {
    const i = args.indexOf(flag);
    if (i === -1) return undefined;
    return args.splice(i, 2)[1];
}

// Types for scripts/pulumi-cli.js (plain JavaScript: deploy.sh runs it with node alone).
export interface FoundPulumi {
    /** The file to run. */
    readonly bin: string;
    /** `installed`: a real CLI; `wrapper`: the `pulumi` npm package's, which downloads one on first use. */
    readonly kind: "installed" | "wrapper";
}
export function findPulumi(o?: { env?: NodeJS.ProcessEnv; projectDir?: string }): FoundPulumi | undefined;
export function describePulumi(found: FoundPulumi): string;

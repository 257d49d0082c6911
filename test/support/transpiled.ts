// Project modules as plain JS in a temporary directory, so that child processes start in
// milliseconds and can run as another user (the directory is world-readable, nothing else).
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import * as ts from "typescript";
import { tempDir } from "./temp";

const REPO = path.resolve(__dirname, "../..");

/** Transpile `modules` (repo-relative, without `.ts`; they may only import each other and Node's own modules); returns the directory. */
export function transpiled(modules: readonly string[]): string {
    const dir = tempDir("js");
    for (const rel of modules) {
        const source = readFileSync(path.join(REPO, `${rel}.ts`), "utf8");
        mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        writeFileSync(
            path.join(dir, `${rel}.js`),
            ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText,
        );
    }
    chmodSync(dir, 0o755);
    return dir;
}

/** lock.ts, ledger.ts and what they import. */
export const LOCK_MODULES = ["ports/lock", "ports/ledger", "project/safeFs", "components/naming"] as const;

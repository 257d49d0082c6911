// What an operations command needs from its surroundings, injectable so tests can run the
// real command against a temporary project directory, a chosen Docker host and a fake terminal.
import * as readline from "readline";
import { findProjectDir } from "../../project/stackPins";

export interface Terminal {
    /** Whether a person can answer a question (stdin is a TTY). */
    readonly interactive: boolean;
    ask(question: string): Promise<string>;
}

export interface OpsContext {
    /** Where the stack files are: FRONTBASE_PROJECT_DIR, else the nearest Pulumi.yaml upwards. */
    readonly projectDir: string;
    /** Docker host overriding `docker:host`/DOCKER_HOST; tests use it to aim at a dead socket. */
    readonly dockerHost?: string;
    readonly terminal: Terminal;
    readonly env: NodeJS.ProcessEnv;
}

export function processTerminal(): Terminal {
    return {
        interactive: process.stdin.isTTY === true,
        ask: (question) =>
            new Promise((resolve) => {
                const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
                rl.question(question, (answer) => {
                    rl.close();
                    resolve(answer);
                });
            }),
    };
}

export function defaultContext(): OpsContext {
    return { projectDir: projectDirOr(process.cwd()), terminal: processTerminal(), env: process.env };
}

/** Same lookup as `new`/`ls`/`check`; outside any project, the current directory (no stack files). */
function projectDirOr(fallback: string): string {
    try {
        return findProjectDir();
    } catch {
        return fallback;
    }
}

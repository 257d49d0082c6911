// Host-key checks for ssh:// Docker hosts, against keys and hashed files made by OpenSSH itself
// (ssh-keygen: without it, those tests are skipped, saying so; under CI that is a failure).
import { execFileSync } from "child_process";
import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { beforeAll, describe, expect, it } from "vitest";
import { dockerClient } from "../../docker/dockerHost";
import { hostKeyName, hostKeyVerifier, trustedKeys } from "../../docker/knownHosts";
import { cannotRun, hasTool } from "../support/skip";
import { tempDir } from "../support/temp";

const NO_SSH_KEYGEN = cannotRun(
    "the known_hosts tests with OpenSSH's keys",
    hasTool("ssh-keygen") ? undefined : "needs ssh-keygen (apt-get install openssh-client)",
);

describe("known_hosts names", () => {
    it("names hosts as OpenSSH does", () => {
        expect(hostKeyName("vps", 22)).toBe("vps");
        expect(hostKeyName("vps", 2222)).toBe("[vps]:2222");
    });

    it("refuses an unknown host before connecting, naming the fix", () => {
        expect(() => hostKeyVerifier("nowhere.example.com", 2222, [path.join(tempDir("known-hosts"), "missing")])).toThrow(
            /SSH host key of \[nowhere\.example\.com\]:2222 is not in .*missing; check its fingerprint, then add it: ssh-keyscan -p 2222 nowhere\.example\.com/,
        );
    });

    it("is what dockerClient uses for ssh:// hosts", () => {
        const home = tempDir("home");
        const saved = process.env.HOME;
        process.env.HOME = home;
        try {
            expect(() => dockerClient("ssh://ops@unknown-host.example.com")).toThrow(
                /SSH host key of unknown-host\.example\.com is not in/,
            );
        } finally {
            process.env.HOME = saved;
        }
    });
});

describe.skipIf(NO_SSH_KEYGEN)("known_hosts with OpenSSH's keys and files", () => {
    let dir: string;
    let good: { line: string; blob: Buffer };
    let other: { line: string; blob: Buffer };
    function newKey(name: string): { line: string; blob: Buffer } {
        const file = path.join(dir, name);
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", file]);
        const line = readFileSync(`${file}.pub`, "utf8").trim();
        return { line, blob: Buffer.from(line.split(" ")[1], "base64") };
    }
    beforeAll(() => {
        dir = tempDir("known-hosts");
        good = newKey("good");
        other = newKey("other");
    });

    it("trusts a plain entry for that host only", () => {
        const text = `# comment\nvps.example.com,10.0.0.5 ${good.line}\n`;
        expect(trustedKeys(text, "vps.example.com")).toEqual(new Set([good.line.split(" ")[1]]));
        expect(trustedKeys(text, "other.example.com").size).toBe(0);
        expect(trustedKeys(text, "[vps.example.com]:2222").size).toBe(0);
    });

    it("reads entries hashed by ssh-keygen -H", () => {
        const file = path.join(dir, "hashed");
        writeFileSync(file, `vps.example.com ${good.line}\n[vps.example.com]:2222 ${other.line}\n`);
        execFileSync("ssh-keygen", ["-q", "-H", "-f", file]);
        const text = readFileSync(file, "utf8");
        expect(text).not.toContain("vps.example.com");
        expect(hostKeyVerifier("vps.example.com", 22, [file])(good.blob)).toBe(true);
        expect(hostKeyVerifier("vps.example.com", 22, [file])(other.blob)).toBe(false);
        expect(hostKeyVerifier("vps.example.com", 2222, [file])(other.blob)).toBe(true);
    });

    it("honours wildcards, negation and @revoked", () => {
        expect(trustedKeys(`*.example.com,!bad.example.com ${good.line}`, "vps.example.com").size).toBe(1);
        expect(trustedKeys(`*.example.com,!bad.example.com ${good.line}`, "bad.example.com").size).toBe(0);
        expect(trustedKeys(`vps ${good.line}\n@revoked vps ${good.line}`, "vps").size).toBe(0);
    });
});

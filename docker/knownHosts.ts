// Host-key checking for `ssh://` Docker hosts, against OpenSSH's known_hosts files.
//
// dockerode's ssh transport (ssh2) accepts any host key unless given a verifier; the Docker
// CLI, which operators compare us with, refuses unknown hosts. So do we.
import { createHmac } from "crypto";
import { readFileSync } from "fs";
import { homedir } from "os";
import * as path from "path";

export function defaultKnownHostsFiles(): string[] {
    return [path.join(homedir(), ".ssh", "known_hosts"), "/etc/ssh/ssh_known_hosts"];
}

/** How OpenSSH names a host in known_hosts: `host` on port 22, `[host]:port` otherwise. */
export function hostKeyName(host: string, port: number): string {
    return port === 22 ? host : `[${host}]:${port}`;
}

/** Base64 key blobs that known_hosts `text` trusts for `name` (revoked keys excluded). */
export function trustedKeys(text: string, name: string): Set<string> {
    const trusted = new Set<string>();
    const revoked = new Set<string>();
    for (const raw of text.split("\n")) {
        const line = raw.trim();
        if (line === "" || line.startsWith("#")) continue;
        const fields = line.split(/\s+/);
        const marker = fields[0].startsWith("@") ? fields.shift() : undefined;
        const [patterns, , key] = fields;
        if (key === undefined || marker === "@cert-authority") continue;
        if (!matchesPatterns(patterns, name)) continue;
        (marker === "@revoked" ? revoked : trusted).add(key);
    }
    for (const k of revoked) trusted.delete(k);
    return trusted;
}

function matchesPatterns(patterns: string, name: string): boolean {
    let matched = false;
    for (const p of patterns.split(",")) {
        if (p.startsWith("|1|")) {
            if (hashedMatches(p, name)) matched = true;
        } else if (p.startsWith("!")) {
            if (globMatches(p.slice(1), name)) return false;
        } else if (globMatches(p, name)) {
            matched = true;
        }
    }
    return matched;
}

/** `|1|salt|hash` with hash = HMAC-SHA1(salt, name), both base64 (OpenSSH HashKnownHosts). */
function hashedMatches(entry: string, name: string): boolean {
    const [, , salt, hash] = entry.split("|");
    if (!salt || !hash) return false;
    return createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64") === hash;
}

function globMatches(pattern: string, name: string): boolean {
    const re = new RegExp(
        `^${pattern
            .replace(/[.+^${}()|\\]/g, "\\$&")
            .replace(/\*/g, ".*")
            .replace(/\?/g, ".")}$`,
        "i",
    );
    return re.test(name);
}

/**
 * A verifier for ssh2's `hostVerifier` option (raw key blob in, trust out). Throws at once,
 * naming the fix, when no file knows the host at all.
 */
export function hostKeyVerifier(host: string, port: number, files: readonly string[] = defaultKnownHostsFiles()): (key: Buffer) => boolean {
    const name = hostKeyName(host, port);
    const keys = new Set<string>();
    for (const f of files) {
        let text: string;
        try {
            text = readFileSync(f, "utf8");
        } catch {
            continue;
        }
        for (const k of trustedKeys(text, name)) keys.add(k);
    }
    if (keys.size === 0) {
        throw new Error(
            `the SSH host key of ${name} is not in ${files.join(" or ")}; check its fingerprint, then add it: ` +
                `ssh-keyscan ${port === 22 ? "" : `-p ${port} `}${host} >> ~/.ssh/known_hosts`,
        );
    }
    return (key: Buffer) => keys.has(key.toString("base64"));
}

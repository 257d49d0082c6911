// The proxy's certificates and when each ends. Caddy keeps what it obtained in its data volume
// (XDG_DATA_HOME=/data, components/proxy/ProxyStack.ts), as PEM files under
// /data/caddy/certificates/<issuer>/<name>/<name>.crt; they are read through the Engine's archive
// endpoint of the Caddy container (a stopped container too, a remote host as a local one), and
// the tar is unpacked by this machine's tar into memory. The PEM parsing is pure.
import { spawn } from "child_process";
import { X509Certificate } from "crypto";
import type Docker from "dockerode";
import { PROXY_CONTAINER } from "../components/proxy/naming";

export const CADDY_CERTIFICATES = "/data/caddy/certificates";

export interface Certificate {
    /** The first DNS name it covers (its file's name). */
    readonly domain: string;
    readonly notAfter: number;
}

/** Each leaf certificate in a PEM text (the first of each file's chain), by the names it covers. */
export function certificatesOf(pem: string): Certificate[] {
    const out: Certificate[] = [];
    for (const block of pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []) {
        const c = new X509Certificate(block);
        if (c.ca) continue; // an intermediate of a chain, not what a domain is served with
        const names = (c.subjectAltName ?? "").split(", ").flatMap((n) => (n.startsWith("DNS:") ? [n.slice(4)] : []));
        const domain = names[0] ?? /CN=([^\n,]+)/.exec(c.subject)?.[1] ?? "?";
        out.push({ domain, notAfter: Date.parse(c.validTo) });
    }
    return out;
}

/** The certificates Caddy holds; undefined when the host has no proxy. */
export async function readProxyCertificates(docker: Docker): Promise<Certificate[] | undefined> {
    const caddy = docker.getContainer(PROXY_CONTAINER);
    let archive: NodeJS.ReadableStream;
    try {
        archive = await caddy.getArchive({ path: CADDY_CERTIFICATES });
    } catch (e) {
        const status = (e as { statusCode?: number }).statusCode;
        if (status !== 404) throw e;
        // No proxy container, or one that has no certificate yet.
        return (await caddy.inspect().then(
            () => true,
            () => false,
        ))
            ? []
            : undefined;
    }
    return certificatesOf(await crtFilesOf(archive));
}

/** The `.crt` members of a tar stream, concatenated (GNU tar on this machine, to stdout). */
function crtFilesOf(archive: NodeJS.ReadableStream): Promise<string> {
    return new Promise((resolve, reject) => {
        const tar = spawn("tar", ["-x", "-O", "--wildcards", "*.crt"], { stdio: ["pipe", "pipe", "pipe"] });
        let out = "";
        let err = "";
        tar.stdout.on("data", (d: Buffer) => void (out += String(d)));
        tar.stderr.on("data", (d: Buffer) => void (err += String(d)));
        tar.on("error", reject);
        // Exit 2 with "Not found in archive": no .crt in it, no certificate yet.
        tar.on("close", (code) =>
            code === 0 || /not found in archive/i.test(err) ? resolve(out) : reject(new Error(`tar: ${err.trim()}`)),
        );
        archive.pipe(tar.stdin);
    });
}

// Debian's pebble (a real ACME server) and its challenge DNS, run on loopback for the proxy
// suite: its DNS answers 127.0.0.1 for every name, and its log is where ACME orders are counted.
import { ChildProcess, execFile, spawn } from "child_process";
import { promises as fs } from "fs";
import * as path from "path";
import { promisify } from "util";

const run = promisify(execFile);

/** Pebble and its DNS, on loopback; its log is where ACME orders are counted. */
export class Pebble {
    log = "";
    private procs: ChildProcess[] = [];
    constructor(readonly dir: string) {}
    async start(): Promise<void> {
        const o = { cwd: this.dir, timeout: 30_000 };
        // Pebble's own HTTPS listener needs a certificate; Debian's package ships none.
        await run(
            "openssl",
            [
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=pebble listener test CA",
            ],
            o,
        );
        await run(
            "openssl",
            ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "leaf.csr", "-subj", "/CN=localhost"],
            o,
        );
        await fs.writeFile(path.join(this.dir, "ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        await run(
            "openssl",
            [
                "x509",
                "-req",
                "-in",
                "leaf.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "cert.pem",
                "-days",
                "2",
                "-extfile",
                "ext",
            ],
            o,
        );
        const config = {
            pebble: {
                listenAddress: "127.0.0.1:14000",
                managementListenAddress: "127.0.0.1:15000",
                certificate: path.join(this.dir, "cert.pem"),
                privateKey: path.join(this.dir, "key.pem"),
                httpPort: 80,
                tlsPort: 443,
                ocspResponderURL: "",
                externalAccountBindingRequired: false,
            },
        };
        await fs.writeFile(path.join(this.dir, "pebble.json"), JSON.stringify(config));
        this.procs.push(
            spawn(
                "pebble-challtestsrv",
                [
                    "-defaultIPv4",
                    "127.0.0.1",
                    "-defaultIPv6",
                    "",
                    "-dns01",
                    "127.0.0.1:18053",
                    "-http01",
                    "",
                    "-https01",
                    "",
                    "-tlsalpn01",
                    "",
                    "-management",
                    "127.0.0.1:18055",
                ],
                { stdio: "ignore" },
            ),
        );
        const pebble = spawn("pebble", ["-config", path.join(this.dir, "pebble.json"), "-dnsserver", "127.0.0.1:18053"], {
            env: { ...process.env, PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0", PEBBLE_AUTHZREUSE: "0" },
            stdio: ["ignore", "pipe", "pipe"],
        });
        for (const s of [pebble.stdout!, pebble.stderr!]) s.on("data", (d) => void (this.log += String(d)));
        this.procs.push(pebble);
        for (let i = 0; i < 50 && !this.log.includes("ACME directory available"); i++) await new Promise((r) => setTimeout(r, 200));
        if (!this.log.includes("ACME directory available")) throw new Error(`pebble did not start:\n${this.log}`);
        // The root that issues the tenants' certificates (made afresh at every start).
        const { stdout } = await run("curl", ["-sSf", "--cacert", "ca.pem", "https://127.0.0.1:15000/roots/0"], o);
        await fs.writeFile(path.join(this.dir, "root.pem"), stdout);
    }
    get listenerCa(): Promise<string> {
        return fs.readFile(path.join(this.dir, "ca.pem"), "utf8");
    }
    get root(): string {
        return path.join(this.dir, "root.pem");
    }
    /** New orders (POST /order-plz) and certificates issued, from pebble's own log. */
    counts(): { orders: number; issued: number } {
        return {
            orders: (this.log.match(/POST \/order-plz/g) ?? []).length,
            issued: (this.log.match(/Issued certificate serial/g) ?? []).length,
        };
    }
    stop(): void {
        for (const p of this.procs) p.kill();
    }
}

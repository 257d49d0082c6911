// One HTTPS request to a proxy at `address`:443 for `domain` (SNI and Host), trusting `ca` only:
// how the proxy suites reach Caddy without DNS.
import * as https from "https";
import type { TLSSocket } from "tls";

export interface ProxyAnswer {
    readonly status: number;
    readonly body: string;
    /** The served certificate's subject alternative names (`DNS:<domain>`). */
    readonly subject: string;
}

export function getThroughProxy(address: string, domain: string, urlPath: string, ca: string, timeoutMs = 10_000): Promise<ProxyAnswer> {
    return new Promise((resolve, reject) => {
        const req = https.request(
            {
                host: address,
                port: 443,
                servername: domain,
                path: urlPath,
                headers: { host: domain },
                ca,
                agent: false,
                timeout: timeoutMs,
            },
            (res) => {
                let body = "";
                res.on("data", (d) => (body += d));
                res.on("end", () =>
                    resolve({
                        status: res.statusCode ?? 0,
                        body,
                        subject: (res.socket as TLSSocket).getPeerCertificate?.()?.subjectaltname ?? "",
                    }),
                );
            },
        );
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", reject);
        req.end();
    });
}

// The one lookup of a swarm node's own Engine (docker/dockerHost.ts resolveNodeHost): what
// purge, backup and restore talk to for a swarm tenant's volumes.
import { describe, expect, it } from "vitest";
import { parseNodeHosts, resolveNodeHost } from "../../../docker/dockerHost";

const node = { id: "n2id", hostname: "vps2", addr: "10.0.0.2" };

describe("a swarm node's own Engine", () => {
    it("is FRONTBASE_NODE_HOSTS's entry for the node, by hostname or by ID", () => {
        const env = { FRONTBASE_NODE_HOSTS: "vps1=unix:///run/a.sock, n2id = ssh://ops@vps2.example:2222" };
        expect(resolveNodeHost(node, { host: "unix:///var/run/docker.sock" }, env)).toBe("ssh://ops@vps2.example:2222");
        expect(resolveNodeHost({ ...node, id: "other", hostname: "vps1" }, { host: "tcp://m:2375" }, env)).toBe("unix:///run/a.sock");
    });

    it("is the manager's own host for the manager's node", () => {
        expect(resolveNodeHost(node, { host: "unix:///var/run/docker.sock", nodeId: "n2id" }, {})).toBe("unix:///var/run/docker.sock");
    });

    it("keeps the manager's scheme, user and port, with the node's address", () => {
        expect(resolveNodeHost(node, { host: "ssh://root@vps1:2200" }, {})).toBe("ssh://root@10.0.0.2:2200");
        expect(resolveNodeHost(node, { host: "ssh://vps1" }, {})).toBe("ssh://10.0.0.2");
        expect(resolveNodeHost(node, { host: "tcp://vps1:2375" }, {})).toBe("tcp://10.0.0.2:2375");
    });

    it("refuses to guess from a local socket, naming the variable and an example", () => {
        expect(() => resolveNodeHost(node, { host: "unix:///var/run/docker.sock", nodeId: "n1id" }, {})).toThrow(
            "the Engine of swarm node vps2 is not known: docker:host unix:///var/run/docker.sock reaches the manager only. Name it in FRONTBASE_NODE_HOSTS, e.g. FRONTBASE_NODE_HOSTS=vps2=ssh://root@10.0.0.2",
        );
    });

    it.each(["vps2", "=unix:///a", "vps2=/run/docker.sock", "vps2=ftp://x"])("refuses the entry %j, saying what is allowed", (entry) => {
        expect(() => parseNodeHosts(`vps1=unix:///a.sock,${entry}`)).toThrow(
            `FRONTBASE_NODE_HOSTS: ${JSON.stringify(entry)} is not name=host; give each node as its hostname (or ID), =, and an Engine address (unix://, tcp:// or ssh://), comma-separated`,
        );
    });
});

// The one reader of HostConfig.PortBindings, shared by the allocator (ports) and the
// operations commands (cli/ops/tenant.ts shows the same bindings in `status`).
import { describe, expect, it } from "vitest";
import { configuredBindings } from "../../../ports/containers";

describe("configuredBindings", () => {
    it("keeps every binding with a host port, any protocol, the host IP as configured, in the Engine's order", () => {
        expect(configuredBindings({ "80/tcp": [{ HostIp: "", HostPort: "8081" }, { HostIp: "::", HostPort: "8081" }], "9/udp": [{ HostPort: "9009" }], "8000/tcp": [{ HostIp: "127.0.0.1", HostPort: "8001" }] })).toEqual([
            { hostIp: "", hostPort: 8081, containerPort: 80, protocol: "tcp" },
            { hostIp: "::", hostPort: 8081, containerPort: 80, protocol: "tcp" },
            { hostIp: "", hostPort: 9009, containerPort: 9, protocol: "udp" },
            { hostIp: "127.0.0.1", hostPort: 8001, containerPort: 8000, protocol: "tcp" },
        ]);
    });

    it("skips what reserves nothing: an empty HostPort (Docker picks at start), no bindings, a null list", () => {
        expect(configuredBindings({ "81/tcp": [{ HostIp: "", HostPort: "" }], "82/tcp": [{}], "5432/tcp": null, "83": [{ HostPort: "0" }] })).toEqual([]);
        expect(configuredBindings(undefined)).toEqual([]);
        expect(configuredBindings(null)).toEqual([]);
    });
});

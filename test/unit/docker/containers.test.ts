// docker/containers.ts, the pure part: the one reader of HostConfig.PortBindings, shared by the
// allocator (ports) and the commands (portBindings shows the same bindings in `status`), and
// which containers and volumes are a tenant's. The reading is tested against a stand-in Engine
// in test/unit/ops/healthAgrees.test.ts and against the real one in test/integration/ops.test.ts.
import { describe, expect, it } from "vitest";
import { byServiceOrder, configuredBindings, portBindings, selectContainers, selectVolumes } from "../../../docker/containers";
import { tenantOfLabels } from "../../../components/naming";

describe("configuredBindings", () => {
    it("keeps every binding with a host port, any protocol, the host IP as configured, in the Engine's order", () => {
        expect(
            configuredBindings({
                "80/tcp": [
                    { HostIp: "", HostPort: "8081" },
                    { HostIp: "::", HostPort: "8081" },
                ],
                "9/udp": [{ HostPort: "9009" }],
                "8000/tcp": [{ HostIp: "127.0.0.1", HostPort: "8001" }],
            }),
        ).toEqual([
            { hostIp: "", hostPort: 8081, containerPort: 80, protocol: "tcp" },
            { hostIp: "::", hostPort: 8081, containerPort: 80, protocol: "tcp" },
            { hostIp: "", hostPort: 9009, containerPort: 9, protocol: "udp" },
            { hostIp: "127.0.0.1", hostPort: 8001, containerPort: 8000, protocol: "tcp" },
        ]);
    });

    it("skips what reserves nothing: an empty HostPort (Docker picks at start), no bindings, a null list", () => {
        expect(
            configuredBindings({ "81/tcp": [{ HostIp: "", HostPort: "" }], "82/tcp": [{}], "5432/tcp": null, "83": [{ HostPort: "0" }] }),
        ).toEqual([]);
        expect(configuredBindings(undefined)).toEqual([]);
        expect(configuredBindings(null)).toEqual([]);
    });
});

describe("tenantOfLabels", () => {
    it.each([
        [{ "frontbase.tenant": "acme", "com.docker.compose.project": "acme_frontbase" }, "acme"],
        [{ "frontbase.tenant": "acme", "com.docker.compose.project": "other_frontbase" }, "acme"],
        // Made by the design document's compose scripts: the project label alone.
        [{ "com.docker.compose.project": "tenant1_frontbase" }, "tenant1"],
        [{ "com.docker.compose.project": "my-app" }, undefined],
        [{ "com.docker.compose.project": "Bad_frontbase" }, undefined],
        [{ "com.docker.compose.project": "a_b_frontbase" }, undefined],
        [{}, undefined],
        [null, undefined],
    ])("%j -> %s", (labels, tenant) => {
        expect(tenantOfLabels(labels)).toBe(tenant);
    });
});

describe("selection", () => {
    const c = (Labels: Record<string, string>) => ({ Labels });
    it("selects a tenant's containers and never a tenant whose name merely starts the same", () => {
        const all = [
            c({ "frontbase.tenant": "a" }),
            c({ "frontbase.tenant": "a-b" }),
            c({ "com.docker.compose.project": "a_frontbase" }),
            c({}),
        ];
        expect(selectContainers(all, "a")).toEqual([all[0], all[2]]);
        expect(selectContainers(all, "a-b")).toEqual([all[1]]);
    });

    it("selects volumes by label, or by exact name only when no other tenant's label says otherwise", () => {
        const v = (Name: string, Labels: Record<string, string> | null) => ({ Name, Labels });
        const all = [
            v("acme_frontbase_backend_data", { "frontbase.tenant": "acme" }),
            v("acme_frontbase_redis_data", null),
            v("acme_frontbase_edge_data", { "frontbase.tenant": "other" }),
            v("acme_frontbase_notes", null),
            v("acme_frontbase_backend_data_old", null),
            v("x", { "com.docker.compose.project": "acme_frontbase" }),
            v("acme-2_frontbase_backend_data", null),
        ];
        expect(selectVolumes(all, "acme").map((x) => x.Name)).toEqual(["acme_frontbase_backend_data", "acme_frontbase_redis_data", "x"]);
        expect(selectVolumes(all, "acme-2").map((x) => x.Name)).toEqual(["acme-2_frontbase_backend_data"]);
    });
});

describe("portBindings", () => {
    it("reads configured bindings, defaulting an empty host IP to all interfaces, sorted by host port", () => {
        expect(
            portBindings({
                "80/tcp": [{ HostIp: "", HostPort: "8081" }],
                "8000/tcp": [{ HostIp: "127.0.0.1", HostPort: "8001" }],
                "9/udp": [{ HostPort: "" }],
                "5432/tcp": null,
            }),
        ).toEqual([
            { hostIp: "127.0.0.1", hostPort: 8001, containerPort: 8000, protocol: "tcp" },
            { hostIp: "0.0.0.0", hostPort: 8081, containerPort: 80, protocol: "tcp" },
        ]);
        expect(portBindings(undefined)).toEqual([]);
    });
});

describe("byServiceOrder", () => {
    it("puts services in start order and unknown ones last", () => {
        const s = (service: string, name = service) => ({ service, name });
        expect(
            byServiceOrder([s("frontend"), s("?", "zz"), s("redis"), s("backend"), s("?", "aa"), s("postgres")]).map((x) => x.name),
        ).toEqual(["postgres", "redis", "backend", "frontend", "aa", "zz"]);
    });
});

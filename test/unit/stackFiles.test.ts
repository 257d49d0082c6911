import { readFileSync, writeFileSync } from "fs";
import { tempDir } from "../support/temp";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { parseTenantConfig } from "../../components/config";
import { findStackFile } from "../../project/project";
import { listStackFiles, readStackFile, stackNameOf, tenantOf, updateStackFile, writeStackFile } from "../../project/stackFiles";

const dir = () => tempDir("stackfiles");

describe("stack files", () => {
    it("reads nested config as the JSON text the program receives, and never reads secure values", async () => {
        const d = dir();
        writeFileSync(
            path.join(d, "Pulumi.acme.yaml"),
            "config:\n  frontbase:ports:\n    backend: 8001\n  frontbase:purgeDataOnDestroy: true\n  frontbase:dbPassword:\n    secure: v1:abc\n  docker:host: ssh://ops@vps\n",
        );
        const f = await readStackFile(path.join(d, "Pulumi.acme.yaml"));
        expect(f.stack).toBe("acme");
        expect(f.config).toEqual({
            "frontbase:ports": '{"backend":8001}',
            "frontbase:purgeDataOnDestroy": "true",
            "docker:host": "ssh://ops@vps",
        });
        expect([...f.secureKeys]).toEqual(["frontbase:dbPassword"]);
        expect(parseTenantConfig(f.config, { stack: f.stack }).ports).toEqual({ backend: 8001 });
    });

    it("writes a file that reads back, and refuses to overwrite unless asked", async () => {
        const d = dir();
        const file = await writeStackFile(d, "t1", { "frontbase:ports": { backend: 8000, edge: 3002 } }, { header: "made by a test" });
        expect(readFileSync(file, "utf8")).toMatch(/^# made by a test\nconfig:\n/);
        expect((await readStackFile(file)).config["frontbase:ports"]).toBe('{"backend":8000,"edge":3002}');
        await expect(writeStackFile(d, "t1", {})).rejects.toThrow(/EEXIST/);
        await writeStackFile(d, "t1", { "frontbase:tenant": "t1" }, { overwrite: true });
        expect((await readStackFile(file)).config).toEqual({ "frontbase:tenant": "t1" });
        expect(await listStackFiles(d)).toEqual([file]);
    });

    it("edits a file in place, keeping comments, other keys and encrypted values", async () => {
        const d = dir();
        const file = path.join(d, "Pulumi.t1.yaml");
        writeFileSync(
            file,
            "encryptionsalt: v1:salt\n# kept\nconfig:\n  frontbase:dbPassword:\n    secure: v1:abc\n  frontbase:ports:\n    backend: 8000\n",
        );
        await updateStackFile(file, { "frontbase:ports": { backend: 8001 } });
        const text = readFileSync(file, "utf8");
        expect(text).toContain("encryptionsalt: v1:salt\n# kept\n");
        expect(text).toContain("secure: v1:abc");
        expect((await readStackFile(file)).config["frontbase:ports"]).toBe('{"backend":8001}');
        expect(stackNameOf(file)).toBe("t1");
        expect(() => stackNameOf(path.join(d, "notes.yaml"))).toThrow("not a stack file name");
    });

    it("reports a missing file as missing, not as bad YAML", async () => {
        await expect(readStackFile(path.join(dir(), "Pulumi.gone.yaml"))).rejects.toMatchObject({ code: "ENOENT" });
    });

    it("names the file when it is not valid YAML", async () => {
        const d = dir();
        writeFileSync(path.join(d, "Pulumi.bad.yaml"), "config: [unclosed\n");
        await expect(readStackFile(path.join(d, "Pulumi.bad.yaml"))).rejects.toThrow(/Pulumi\.bad\.yaml: not valid YAML/);
    });
});

describe("which tenant a stack file deploys", () => {
    it("is frontbase:tenant, else the stack name", () => {
        expect(tenantOf({ stack: "prod-a", config: { "frontbase:tenant": "acme" } })).toBe("acme");
        expect(tenantOf({ stack: "beta", config: {} })).toBe("beta");
    });

    it("finds a tenant by frontbase:tenant or by stack name, skipping other tenants' broken files", async () => {
        const d = dir();
        writeFileSync(path.join(d, "Pulumi.prod-a.yaml"), "config:\n  frontbase:tenant: acme\n");
        writeFileSync(path.join(d, "Pulumi.beta.yaml"), "config:\n  frontbase:database: postgres\n");
        writeFileSync(path.join(d, "Pulumi.broken.yaml"), "config: [\n");
        expect((await findStackFile(d, "acme"))?.stack).toBe("prod-a");
        expect((await findStackFile(d, "beta"))?.config).toEqual({ "frontbase:database": "postgres" });
        expect(await findStackFile(d, "nobody")).toBeUndefined();
        await expect(findStackFile(d, "broken")).rejects.toThrow(/Pulumi\.broken\.yaml: not valid YAML/);
    });
});

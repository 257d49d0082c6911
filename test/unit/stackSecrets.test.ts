import { promises as fs } from "fs";
import * as path from "path";
import { beforeEach, describe, expect, it } from "vitest";
import YAML from "yaml";
import { parseTenantConfig } from "../../components/config";
import { decryptStackSecrets, ensureCredentials } from "../../project/stackSecrets";
import { readStackFile } from "../../project/stackFiles";
import { tempDir } from "../support/temp";
import { nothingWritten } from "../support/unchanged";

describe("credentials generated once into the stack file as Pulumi secure values", () => {
    let dir: string;
    let file: string;
    const env = { PULUMI_CONFIG_PASSPHRASE: "correct horse battery staple" };
    beforeEach(async () => {
        dir = tempDir("secrets");
        file = path.join(dir, "Pulumi.acme.yaml");
        await fs.writeFile(file, "# acme's settings\nconfig:\n  frontbase:tenant: acme\n  frontbase:database: postgres\n");
    });

    it("writes every credential of a postgres tenant encrypted, with an encryptionsalt, keeping the rest of the file", async () => {
        expect(await ensureCredentials(file, "postgres", env)).toEqual({
            written: ["dbPassword", "redisToken", "adminPassword", "encryptionKey"],
            kept: [],
        });
        const text = await fs.readFile(file, "utf8");
        expect(text).toMatch(/^# acme's settings/);
        const doc = YAML.parse(text);
        expect(doc.encryptionsalt).toMatch(/^v1:[A-Za-z0-9+/=]+:v1:/);
        expect(doc.config["frontbase:adminPassword"].secure).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
        const plain = (await decryptStackSecrets(file, env))!;
        expect(plain["frontbase:dbPassword"]).toMatch(/^[A-Za-z0-9]{32}$/);
        expect(plain["frontbase:redisToken"]).toMatch(/^[A-Za-z0-9]{40}$/);
        expect(plain["frontbase:adminPassword"]).toMatch(/^[A-Za-z0-9]{24}$/);
        expect(Buffer.from(plain["frontbase:encryptionKey"], "base64url")).toHaveLength(32);
        for (const v of Object.values(plain)) expect(text).not.toContain(v);
        // What the program then receives validates, as Pulumi marks them secret.
        const read = await readStackFile(file);
        const cfg = parseTenantConfig({ ...read.config, ...plain }, { stack: "acme", secretKeys: new Set(Object.keys(plain)) });
        expect(cfg.encryptionKey).toBe(plain["frontbase:encryptionKey"]);
    });

    it("never replaces a credential: a second run keeps them all, byte for byte", async () => {
        await ensureCredentials(file, "sqlite", env);
        const before = await fs.readFile(file, "utf8");
        expect(await ensureCredentials(file, "sqlite", env)).toEqual({
            written: [],
            kept: ["redisToken", "adminPassword", "encryptionKey"],
        });
        expect(await fs.readFile(file, "utf8")).toBe(before);
        // A tenant moved to postgres gets only what it lacks.
        expect(await ensureCredentials(file, "postgres", env)).toEqual({
            written: ["dbPassword"],
            kept: ["redisToken", "adminPassword", "encryptionKey"],
        });
    });

    it("refuses another passphrase than the file's, naming the file, and writes nothing", async () => {
        await ensureCredentials(file, "sqlite", env);
        const untouched = nothingWritten({ project: dir });
        await expect(ensureCredentials(file, "postgres", { PULUMI_CONFIG_PASSPHRASE: "wrong" })).rejects.toThrow(
            `PULUMI_CONFIG_PASSPHRASE does not decrypt ${file}'s secrets`,
        );
        untouched();
    });

    it("writes nothing without a passphrase, or for another secrets provider, and says what to do", async () => {
        let untouched = nothingWritten({ project: dir });
        const none = await ensureCredentials(file, "sqlite", {});
        expect(none).toMatchObject({ skipped: expect.stringContaining("PULUMI_CONFIG_PASSPHRASE") });
        untouched();
        await fs.appendFile(file, "secretsprovider: awskms://alias/x\n");
        untouched = nothingWritten({ project: dir });
        expect(await ensureCredentials(file, "sqlite", env)).toMatchObject({ skipped: expect.stringContaining("awskms://alias/x") });
        untouched();
    });
});

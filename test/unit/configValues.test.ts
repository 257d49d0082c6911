// Stack-file values as Pulumi reads them (sdk/go/common/resource/config/object.go): a secure value
// at any depth makes the whole key secret and is decrypted in place; the program gets Go's JSON.
// Then every reader of ours on a stack file written as `pulumi config set --path --secret` writes
// one: the stack file reader, the decryption, `tenant check`, `preflight` and the engine double's
// config loading.
import { promises as fs } from "fs";
import * as path from "path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import {
    ciphertexts,
    ConfigTree,
    configText,
    configTree,
    isSecret,
    readConfigMap,
    SecureValue,
    secretStrings,
} from "../../project/configValues";
import { encryptValue, newEncryptionSalt } from "../../project/pulumiSecrets";
import { readStackFile } from "../../project/stackFiles";
import { decryptStackSecrets } from "../../project/stackSecrets";
import { Scrubber } from "../engine/scrub";
import { stackConfig } from "../engine/stackConfig";
import { tempLockDir, tempProject, tenant } from "../support/cliRun";

/** A stand-in decrypter: the plaintext of `ct:<x>` is `<x>`. */
const fake = (ciphertext: string) => ciphertext.replace(/^ct:/, "");
const secure = (plaintext: string) => ({ secure: `ct:${plaintext}` });

describe("a config value as Pulumi reads it (object.go)", () => {
    it.each<[string, unknown, boolean, string[]]>([
        ["a plain string", "frontbase-real/backend:local", false, []],
        ["a secure value at the top", secure("pw"), true, ["ct:pw"]],
        [
            "one secure value deep inside an object",
            { env: { backend: { SMTP_HOST: "smtp", SMTP_PASSWORD: secure("pw") } } },
            true,
            ["ct:pw"],
        ],
        ["secure values in a list", ["a", secure("x"), [secure("y")]], true, ["ct:x", "ct:y"]],
        ["a map with `secure` and another key (a map, not a ciphertext)", { secure: "ct:x", other: 1 }, false, []],
        ["`secure` that is not a string (a map)", { secure: 5 }, false, []],
        ["null", null, false, []],
    ])("%s", (_, raw, secret, found) => {
        const tree = configTree(raw);
        expect(isSecret(tree)).toBe(secret);
        expect(ciphertexts(tree)).toEqual(found);
    });

    it("hands the program a string as it is and anything else as Go's JSON: keys sorted, HTML characters escaped", () => {
        expect(configText(configTree("a b"))).toBe("a b");
        expect(configText(configTree(8080))).toBe("8080");
        expect(configText(configTree(true))).toBe("true");
        expect(configText(configTree({ z: 1, a: { y: "<&>", b: [2, 1] } }))).toBe('{"a":{"b":[2,1],"y":"\\u003c\\u0026\\u003e"},"z":1}');
    });

    it("decrypts every ciphertext in place, at any depth, and only with a decrypter", () => {
        const tree = configTree({ backend: { SMTP_PASSWORD: secure("s3cret"), SMTP_PORT: 587 }, edge: {} });
        expect(configText(tree, fake)).toBe('{"backend":{"SMTP_PASSWORD":"s3cret","SMTP_PORT":587},"edge":{}}');
        expect(configText(configTree(secure("top")), fake)).toBe("top");
        expect(secretStrings(tree, fake)).toEqual(["s3cret"]);
        expect(() => configText(tree)).toThrow(/needs the stack's secrets provider/);
    });

    it("splits a config map into plain keys (as text) and secret ones (ciphertexts kept)", () => {
        const { config, secure: secrets } = readConfigMap({
            "frontbase:tenant": "t",
            "frontbase:ports": { frontend: 8080, backend: 8000 },
            "frontbase:adminPassword": secure("a"),
            "frontbase:images": { backend: secure("registry/b:1"), edge: "e:1" },
        });
        expect(config).toEqual({ "frontbase:tenant": "t", "frontbase:ports": '{"backend":8000,"frontend":8080}' });
        expect([...secrets.keys()]).toEqual(["frontbase:adminPassword", "frontbase:images"]);
        expect(secrets.get("frontbase:images")).toEqual({ backend: new SecureValue("ct:registry/b:1"), edge: "e:1" });
    });

    it("for any value: secret exactly when it holds a ciphertext, and decrypting gives the same structure with plaintexts in place", () => {
        const leaf = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.string().map(secure));
        const value = fc.letrec((tie) => ({
            tree: fc.oneof(
                { depthSize: "small" },
                leaf,
                fc.array(tie("tree"), { maxLength: 3 }),
                fc.dictionary(fc.string(), tie("tree"), { maxKeys: 3 }),
            ),
        })).tree;
        const plainOf = (v: unknown): unknown =>
            Array.isArray(v)
                ? v.map(plainOf)
                : v !== null && typeof v === "object"
                  ? "secure" in v && Object.keys(v).length === 1
                      ? fake((v as { secure: string }).secure)
                      : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainOf(x)]))
                  : v;
        fc.assert(
            fc.property(value, (raw) => {
                const tree: ConfigTree = configTree(raw);
                expect(isSecret(tree)).toBe(ciphertexts(tree).length > 0);
                const text = configText(tree, fake);
                expect(typeof raw === "string" || (raw as { secure?: unknown })?.secure !== undefined ? text : JSON.parse(text)).toEqual(
                    plainOf(raw),
                );
            }),
        );
    });
});

describe("a stack file with a secure value inside an object (pulumi config set --path --secret frontbase:images.backend ...)", async () => {
    const PASSPHRASE = "nested, test only";
    const { encryptionsalt, key } = await newEncryptionSalt(PASSPHRASE);
    const PORTS = { backend: 8100, edge: 3102, frontend: 8180, redisHttp: 8179 };
    const text = YAML.stringify({
        encryptionsalt,
        config: {
            "frontbase:tenant": "acme",
            "frontbase:ports": PORTS,
            "frontbase:adminPassword": { secure: encryptValue(key, "admin-password-0123") },
            "frontbase:images": { backend: { secure: encryptValue(key, "registry.example/backend:1") }, edge: "frontbase-real/edge:local" },
        },
    });
    const project = tempProject({ "Pulumi.acme.yaml": text });
    const file = path.join(project, "Pulumi.acme.yaml");

    it("is read: the object's key is secret, its ciphertext never in the plain config", async () => {
        const f = await readStackFile(file);
        expect([...f.secureKeys].sort()).toEqual(["frontbase:adminPassword", "frontbase:images"]);
        expect(f.config).toEqual({ "frontbase:tenant": "acme", "frontbase:ports": JSON.stringify(PORTS) });
    });

    it("is decrypted with the passphrase, the object whole, as the program gets it", async () => {
        expect(await decryptStackSecrets(file, { PULUMI_CONFIG_PASSPHRASE: PASSPHRASE })).toEqual({
            "frontbase:adminPassword": "admin-password-0123",
            "frontbase:images": '{"backend":"registry.example/backend:1","edge":"frontbase-real/edge:local"}',
        });
        expect(await decryptStackSecrets(file, {})).toBeUndefined();
    });

    it("passes tenant check (which reads no secret)", async () => {
        const r = await tenant(["check"], { FRONTBASE_PROJECT_DIR: project, FRONTBASE_LOCK_DIR: tempLockDir() });
        expect(r.err).toBe("");
        expect(r.out).toMatch(/^ok: 1 stack file\(s\), 1 tenant\(s\)/);
        expect(r.code).toBe(0);
    });

    it("is handed to the program by the engine double decrypted and marked secret, and every leaf of it masked", async () => {
        const { config, secretKeys } = await stackConfig(
            project,
            "frontbase",
            "acme",
            { config: {}, secrets: {} },
            { PULUMI_CONFIG_PASSPHRASE: PASSPHRASE },
        );
        expect(JSON.parse(config["frontbase:images"])).toEqual({
            backend: "registry.example/backend:1",
            edge: "frontbase-real/edge:local",
        });
        expect(secretKeys.sort()).toEqual(["frontbase:adminPassword", "frontbase:images"]);
        const scrubber = new Scrubber();
        scrubber.addConfig(config["frontbase:images"]);
        expect(scrubber.scrub("pulling registry.example/backend:1")).toBe("pulling [secret]");
        await expect(stackConfig(project, "frontbase", "acme", { config: {}, secrets: {} }, {})).rejects.toThrow(
            /frontbase:adminPassword, frontbase:images encrypted; set PULUMI_CONFIG_PASSPHRASE/,
        );
    });

    it("is still a file we write into without touching the nested secure value (updateStackFile keeps it)", async () => {
        const { updateStackFile } = await import("../../project/stackFiles");
        await updateStackFile(file, { "frontbase:maxRetries": 3 });
        expect((await fs.readFile(file, "utf8")).includes(YAML.parse(text).config["frontbase:images"].backend.secure)).toBe(true);
        expect(await decryptStackSecrets(file, { PULUMI_CONFIG_PASSPHRASE: PASSPHRASE })).toMatchObject({
            "frontbase:images": '{"backend":"registry.example/backend:1","edge":"frontbase-real/edge:local"}',
        });
    });
});

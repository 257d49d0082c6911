// Figures the docs quote are computed here from the code, or carry where they were measured:
// the config table's keys and defaults (each default read from the table's text and compared with
// what parseTenantConfig fills in, or tenant new generates), the memory totals, the sums of the
// memory table, each service's health wait, stop grace and health interval, the provenance line
// (command, date, commit) of every bench table, and the count of hostile inputs (the suite's own).
import { execFileSync } from "child_process";
import { describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import YAML from "yaml";
import { CONFIG_KEYS, DEFAULT_MEMORY, parseTenantConfig, PortRange, TenantConfig } from "../../../components/config";
import { LOG_OPTS } from "../../../components/containers";
import { tenantServices } from "../../../components/services";
import { parseBenchArgs } from "../../../bench/options";
import { shellWords } from "../../support/docCommands";
import { docFiles, fences, findTable, readDoc, ROOT } from "../../support/docs";
import { decryptStackSecrets, ensureCredentials } from "../../../project/stackSecrets";
import { tempDir } from "../../support/temp";

describe("the config table", () => {
    const table = findTable("key", "default", "allowed");
    const documented = table.rows.map((r) => [r[0].replace(/`/g, ""), r[1]] as const);

    it("has a row for exactly the keys the schema accepts, in its order", () => {
        expect(documented.map(([k]) => k)).toEqual(CONFIG_KEYS);
    });

    // What the docs say, read from their text, against what the code does (never its own constants).
    it.each(documented)("%s: the documented default (%s) is what an empty stack file gets", (key, cell) => {
        const e = defaultOf(key, cell);
        expect(e, `no rule reads the documented default of ${key}: ${cell}`).toBeDefined();
        expect(e!.code).toEqual(e!.documented);
    });

    it("generated credentials have the documented lengths, as tenant new writes them", async () => {
        const lengths = documented.flatMap(([k, cell]) => {
            const m = cell.match(/^generated \((\d+) characters\)$/);
            return m ? [[k, Number(m[1])] as const] : [];
        });
        expect(lengths.length).toBeGreaterThan(0);
        const file = path.join(tempDir("defaults"), "Pulumi.t.yaml");
        writeFileSync(file, "config: {}\n");
        const env = { PULUMI_CONFIG_PASSPHRASE: "defaults test passphrase" };
        await ensureCredentials(file, "postgres", env);
        const plain = (await decryptStackSecrets(file, env))!;
        expect(Object.fromEntries(lengths.map(([k]) => [k, plain[`frontbase:${k}`]?.length]))).toEqual(Object.fromEntries(lengths));
    });
});

const parse = (raw: Record<string, string> = {}) => parseTenantConfig(raw, { stack: "tenant1", secretKeys: new Set() });
const value = (c: TenantConfig, key: string) => (c as unknown as Record<string, unknown>)[key];

/** `backend \`8000-8999\`, edge \`3002-3999\`` or `backend 512, edge 256 (see ...)`: service -> text; undefined for other cells. */
function perService(cell: string): Record<string, string> | undefined {
    const item = "\\w+ (?:`[^`]+`|\\d+)";
    if (!new RegExp(`^${item}(?:, ${item})+(?: \\(see .*\\))?$`).test(cell)) return undefined;
    return Object.fromEntries([...cell.matchAll(/(\w+) (?:`([^`]+)`|(\d+))/g)].map((m) => [m[1], m[2] ?? m[3]]));
}

/** What a documented default says and what the code does, for one row; undefined when no rule reads the cell. */
function defaultOf(key: string, cell: string): { documented: unknown; code: unknown } | undefined {
    const cfg = parse();
    let m: RegExpMatchArray | null;
    if (cell === "the stack name") return { documented: "tenant1", code: cfg.tenant };
    if (/^allocated \(/.test(cell)) return { documented: {}, code: cfg.ports };
    if (cell === "(none)" || cell === "(none; required for `swarm`)" || /^generated\b/.test(cell))
        return { documented: undefined, code: value(cfg, key) };
    if ((m = cell.match(/^each service's own \((\d+) s, edge (\d+) s\)$/))) {
        const own = tenantServices(parse({ "frontbase:database": "postgres" }), { backend: 1, edge: 2, frontend: 3, redisHttp: 4 });
        const intervals = Object.fromEntries(own.flatMap((s) => (s.healthcheck ? [[s.service, s.healthcheck.interval]] : [])));
        const expected = Object.fromEntries(Object.keys(intervals).map((s) => [s, `${s === "edge" ? m![2] : m![1]}s`]));
        return { documented: { healthInterval: undefined, intervals: expected }, code: { healthInterval: cfg.healthInterval, intervals } };
    }
    const services = perService(cell);
    if (services) {
        const shown = (v: unknown) => (typeof v === "object" && v !== null ? `${(v as PortRange).from}-${(v as PortRange).to}` : String(v));
        const code = Object.entries(value(cfg, key) as Record<string, unknown>).map(([k, v]) => [k, shown(v)]);
        return { documented: services, code: Object.fromEntries(code) };
    }
    if ((m = cell.match(/^`([^`]+)`(?:; `([^`]+)` when (?:a|the) tenant (?:on one Docker host )?has `domains`.*)?$/))) {
        const withDomains = value(parse({ "frontbase:domains": '["a.example.com"]' }), key);
        return {
            documented: { default: YAML.parse(m[1]), ...(m[2] === undefined ? {} : { withDomains: YAML.parse(m[2]) }) },
            code: { default: value(cfg, key), ...(m[2] === undefined ? {} : { withDomains }) },
        };
    }
    return undefined;
}

describe("memory", () => {
    const table = findTable("service", "at rest (MiB)", "default limit (MiB)");
    const text = readDoc(table.file);
    const sqliteServices = ["backend", "edge", "frontend", "redis", "redisHttp"] as const;
    const sqliteMiB = sqliteServices.reduce((sum, k) => sum + DEFAULT_MEMORY[k], 0);
    const postgresMiB = sqliteMiB + DEFAULT_MEMORY.postgres;
    const gib = (mib: number) => String(mib / 1024);

    it("quotes the default limits' totals as the code's defaults add them up", () => {
        expect(text).toContain(
            `add up\nto ${sqliteMiB} MiB, ${gib(sqliteMiB)} GiB (${postgresMiB} MiB, ${gib(postgresMiB)} GiB, with postgres)`,
        );
        expect([sqliteMiB, postgresMiB]).toEqual([1152, 1536]);
    });

    it("lists each service's default limit as the code sets it", () => {
        const key = (service: string) => ({ "redis-http (stand-in here)": "redisHttp" })[service] ?? service.split(" ")[0];
        for (const r of table.rows)
            expect({ service: r[0], limit: Number(r[2]) }).toEqual({ service: r[0], limit: DEFAULT_MEMORY[key(r[0]) as "redis"] });
    });

    it("quotes the sums of the at-rest readings", () => {
        const range = (service: string) =>
            table.rows
                .find((r) => r[0] === service || r[0].startsWith(`${service} `))![1]
                .split("-")
                .map(Number);
        const sum = (services: readonly string[], end: 0 | 1) => Math.round(services.reduce((s, k) => s + range(k)[end], 0));
        const sqlite = ["backend", "edge", "frontend", "redis", "redis-http"];
        const postgres = [...sqlite, "postgres"];
        expect(text).toContain(
            `${sum(sqlite, 0)}-${sum(sqlite, 1)} MiB (sqlite) or ${sum(postgres, 0)}-${sum(postgres, 1)} MiB (postgres)`,
        );
    });
});

describe("bench tables", () => {
    const PROVENANCE = /^Measured (\d{4}-\d\d-\d\d) at commit ([0-9a-f]{7,40}): `(npm run bench(?: -- (.*))?)`$/;
    const tables = docFiles().flatMap((file) => fences(file).filter((f) => f.lines.some((l) => /^scenario \(ms, median\)/.test(l))));
    const shallow = execFileSync("git", ["rev-parse", "--is-shallow-repository"], { cwd: ROOT, encoding: "utf8" }).trim() === "true";

    it("are found", () => {
        expect(tables.length).toBeGreaterThanOrEqual(3);
    });

    it.each(tables.map((t) => [`${t.file}:${t.line}`, t] as const))("%s says the command, date and commit it was measured at", (_, t) => {
        const m = PROVENANCE.exec(t.before);
        expect({ line: t.before, provenance: m !== null }).toEqual({ line: t.before, provenance: true });
        const [, date, commit, command, args] = m!;
        expect(new Date(`${date}T00:00:00Z`).getTime()).toBeLessThanOrEqual(Date.now());
        expect(() => parseBenchArgs(shellWords(args ?? ""))).not.toThrow();
        const prompt = t.lines.find((l) => l.startsWith("$ "));
        if (prompt) expect(prompt).toBe(`$ ${command}`);
        // A clone with its history (not CI's shallow one) also knows the commit, and its date.
        if (!shallow) {
            const committed = execFileSync("git", ["show", "-s", "--format=%cs", commit], { cwd: ROOT, encoding: "utf8" }).trim();
            expect(committed).toBe(date);
        }
    });
});

describe("what a tenant gets, as the code sets it", () => {
    const cfg = parseTenantConfig({ "frontbase:database": "postgres" }, { stack: "t" });
    const specs = tenantServices(cfg, { backend: 8000, edge: 3002, frontend: 8080, redisHttp: 8079 });
    const of = (field: "waitTimeout" | "stopGraceSeconds") => Object.fromEntries(specs.map((s) => [s.service, s[field]]));

    it("quotes each service's health wait (docs/deploy.md)", () => {
        const wait = of("waitTimeout");
        expect(readDoc("docs/deploy.md")).toContain(
            `(backend ${wait.backend} s, edge and postgres ${wait.edge} s, others ${wait.redis} s)`,
        );
        expect([wait.edge, wait.postgres, wait["redis-http"], wait.frontend]).toEqual([wait.edge, wait.edge, wait.redis, wait.redis]);
    });

    it("quotes each service's stop grace and the log rotation (docs/tenant.md)", () => {
        const grace = of("stopGraceSeconds");
        const text = readDoc("docs/tenant.md").replace(/\s+/g, " ");
        expect(text).toContain(`postgres ${grace.postgres} s (`);
        expect(text).toContain(`redis ${grace.redis} s (`);
        expect(grace.edge).toBe(grace.backend);
        expect(text).toContain(`backend and edge ${grace.backend} s`);
        expect(grace["redis-http"]).toBe(grace.frontend);
        expect(text).toContain(`frontend and redis-http ${grace.frontend} s`);
        expect(text).toContain(`json-file, ${LOG_OPTS["max-file"]} × ${LOG_OPTS["max-size"].replace("m", "")} MB`);
    });

    it("quotes the services' own health intervals (the config table)", () => {
        const seconds = (s: string) => Number(/^(\d+)s$/.exec(s)?.[1] ?? NaN);
        const own = Object.fromEntries(specs.filter((s) => s.healthcheck).map((s) => [s.service, seconds(s.healthcheck!.interval)]));
        const others = Object.entries(own).filter(([s]) => s !== "edge");
        expect(new Set(others.map(([, v]) => v)).size).toBe(1);
        expect(findTable("key", "default", "allowed").rows.find((r) => r[0] === "`healthInterval`")?.[1]).toBe(
            `each service's own (${others[0][1]} s, edge ${own.edge} s)`,
        );
    });
});

describe("the hostile inputs", () => {
    const FIGURE = /\*\*(\d+) hostile inputs, each refused cleanly\*\*/;
    const quoted = docFiles().flatMap((file) =>
        [...readDoc(file).matchAll(new RegExp(FIGURE, "g"))].map((m) => ({ file, n: Number(m[1]) })),
    );

    it("are counted in one doc, as many as the suite has rows (vitest's own list of test/unit/hostile)", () => {
        expect(quoted.length, `one "**N hostile inputs, each refused cleanly**" in ${docFiles().join(", ")}`).toBe(1);
        const dir = tempDir("hostile-list");
        const out = path.join(dir, "list.json");
        execFileSync(
            process.execPath,
            [
                path.join(ROOT, "node_modules/vitest/vitest.mjs"),
                "list",
                "--config",
                "vitest.config.mts",
                "test/unit/hostile",
                `--json=${out}`,
            ],
            // `vitest list` runs each file's setup (test/support/setup.ts makes temporary
            // directories) but not its afterAll: its TMPDIR is this test's own, removed after it.
            { cwd: ROOT, stdio: "ignore", env: { ...process.env, TMPDIR: dir } },
        );
        const rows = JSON.parse(readFileSync(out, "utf8")) as { name: string; file: string }[];
        expect(rows.length).toBeGreaterThan(150);
        expect(new Set(rows.map((r) => path.basename(r.file))).size).toBeGreaterThanOrEqual(8);
        expect(quoted[0]).toEqual({ file: quoted[0].file, n: rows.length });
    }, 60_000);
});

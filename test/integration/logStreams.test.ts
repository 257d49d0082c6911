// Issue 20, beyond the examples, against the real Engine: a very long line and binary output
// through the logs a tenant's container writes, read as the logs command and the dashboard read
// them (tenants/logs.ts, timestamps on). The Engine's json-file driver cuts a line into messages
// of 16 KiB (moby daemon/logger/copier.go) and writes each one as a frame with its own timestamp
// (api/server/httputils/write_log_stream.go): the parser must give the line back as it was.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toTenantContainer } from "../../docker/containers";
import { labels } from "../../components/naming";
import { MAX_LINE_CHARS } from "../../tenants/logStream";
import { readLogs } from "../../tenants/logs";
import { REAL_BASE_IMAGE } from "../images/frontbase";
import { docker, removeTenant } from "./support/docker";
import { probeDocker } from "./support/probe";
import { testTenant } from "./support/tenants";

const probe = probeDocker([REAL_BASE_IMAGE], "the real Engine's log rows");

describe.skipIf(probe.reason)("log lines from the real Engine: long and binary", () => {
    const name = testTenant("logs");
    const engine = { docker, host: "unix:///var/run/docker.sock" };
    let id: string;

    beforeAll(async () => {
        // 40 000 'a's and a newline, then bytes that are no UTF-8 and a terminal escape, then "end".
        const script = "head -c 40000 /dev/zero | tr '\\0' a; echo; printf '\\000\\377\\033[2J\\n'; echo end";
        const c = await docker.createContainer({ Image: REAL_BASE_IMAGE, Cmd: ["sh", "-c", script], Labels: labels(name, "backend") });
        id = c.id;
        await c.start();
        await c.wait();
    }, 60_000);
    afterAll(() => removeTenant(name));

    it("a 40 000-character line comes back whole (in pieces of at most 16 KiB), without the Engine's timestamps inside it; binary bytes stay lines", async () => {
        const container = toTenantContainer(await docker.getContainer(id).inspect());
        const lines = await readLogs(engine, [container], undefined);
        const texts = lines.map((l) => l.text);
        const end = texts.indexOf("\u0000\ufffd\u001b[2J");
        expect(end).toBeGreaterThan(0);
        expect(texts.slice(0, end).join("")).toBe("a".repeat(40_000));
        expect(texts.slice(0, end).every((t) => t.length <= MAX_LINE_CHARS)).toBe(true);
        expect(texts.slice(end + 1)).toEqual(["end"]);
    }, 60_000);
});

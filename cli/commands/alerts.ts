// `alerts [--webhook URL] [--once] [thresholds]`: look at every tenant for what needs a person
// (services down, unhealthy or restarting; stale or missing backups and drills; proxy
// certificates near their end; volumes too big), fire each alert once and resolve it once across
// runs (state in the lock directory, monitor/alertStore.ts), and tell a webhook, signed.
// `--once` is one look for cron or a systemd timer (exit 3 while anything fires); without it, a
// look every --every until stopped, deliveries running beside the looks.
import * as os from "os";
import { alertFiles } from "../../monitor/alertStore";
import { check, deliver, DELIVERY, Webhook } from "../../monitor/alerts";
import { DEFAULT_THRESHOLDS, Thresholds } from "../../monitor/findings";
import { SECRET_ENV, webhookOrigin, webhookProblem } from "../../monitor/webhook";
import { ensureLockDir } from "../../ports/lock";
import { orOff, parseAge, parseSize } from "../../tenants/checks";
import type { Context } from "../../tenants/context";
import { UsageError } from "../args";
import { defineCommand } from "../command";
import { renderAlerts, renderDelivery } from "../ops/alertsReport";

export const FIRING = 3;
const MIN_SECRET = 16;

const ageFlag = (about: string, def: string) =>
    ({ kind: "value", arg: "AGE", help: "like 30s, 90m, 26h or 2d", about: `${about}, default ${def}`, parse: parseAge }) as const;
const thresholdFlag = (about: string, def: string) =>
    ({
        kind: "value",
        arg: "AGE",
        help: "like 90m, 26h or 2d, or off",
        about: `${about}, default ${def}`,
        parse: orOff(parseAge),
    }) as const;

const FLAGS = {
    webhook: {
        kind: "value",
        arg: "URL",
        help: "an http:// or https:// URL",
        about: `POST each new alert and each resolution there, signed with ${SECRET_ENV}`,
        parse: webhookArg,
    },
    once: { kind: "boolean", about: "look once and exit (for cron or a systemd timer)" },
    every: ageFlag("without --once, look this often", "1m"),
    "down-for": ageFlag("fire when a service is down, unhealthy or restarting this long", DEFAULT_THRESHOLDS.downFor),
    "backup-age": thresholdFlag("fire when a tenant's last backup is older", DEFAULT_THRESHOLDS.backupAge),
    "cert-within": thresholdFlag("fire when a proxy certificate ends within", DEFAULT_THRESHOLDS.certWithin),
    "drill-age": thresholdFlag("fire when a tenant's last restore drill is older (or failed)", DEFAULT_THRESHOLDS.drillAge),
    "volume-size": {
        kind: "value",
        arg: "SIZE",
        help: "like 500MiB or 10GiB, or off",
        about: `fire when a volume holds more, default ${DEFAULT_THRESHOLDS.volumeSize}`,
        parse: orOff(parseSize),
    },
} as const;

export const command = defineCommand({
    name: "alerts",
    summary: "check every tenant for what needs a person; fire and resolve each alert once, to a signed webhook",
    readOnly: true,
    args: [],
    flags: FLAGS,
    notes: [
        `The webhook gets JSON ({id, event: fired|resolved, alert, machine, sentAt, attempt}) with the header`,
        `X-Frontbase-Signature-256: sha256=<HMAC-SHA256 of the body under ${SECRET_ENV}>; it is retried with back-off`,
        "for a day; a check never waits for it. State (what fired, what is owed to the webhook) is kept in the lock directory.",
        "Exit 0: nothing fires; 3: something fires (see the list); 1: the checks could not run; 2: usage error.",
    ].join("\n"),
    async run({ flags }, ctx) {
        const thresholds = thresholdsOf(flags);
        const hook = webhookOf(flags.webhook, ctx);
        await ensureLockDir(ctx.lockDir);
        const files = alertFiles(ctx.lockDir, ctx.projectDir);
        const options = { ...DELIVERY, machine: os.hostname() };
        const once = async () => {
            const a = await check(ctx, files, thresholds, hook !== undefined);
            ctx.io.out(renderAlerts(a, ctx.now()));
            return a.firing.length > 0 ? FIRING : 0;
        };
        const send = async () => {
            const d = await deliver(ctx, files, hook!, options);
            if (d.sent.length + d.gaveUp.length > 0 || d.failed)
                (d.failed || d.gaveUp.length ? ctx.io.err : ctx.io.out)(renderDelivery(d, webhookOrigin(hook!.url), ctx.now()));
        };
        if (flags.once) {
            const code = await once();
            if (hook) await send();
            return code;
        }
        let sending: Promise<void> | undefined;
        for (;;) {
            await once().catch((e: Error) => ctx.io.err(`tenant alerts: ${e.message}`));
            sending ??= (hook ? send() : Promise.resolve())
                .catch((e: Error) => ctx.io.err(`tenant alerts: webhook: ${e.message}`))
                .finally(() => (sending = undefined));
            await ctx.sleep(flags.every ?? 60_000);
        }
    },
});

type ThresholdFlags = Partial<Record<"down-for" | "backup-age" | "cert-within" | "drill-age" | "volume-size", number | null>>;

function thresholdsOf(f: ThresholdFlags): Thresholds {
    // Not given: the default; `off` (null): the check is off.
    const given = (k: keyof ThresholdFlags, def: number) => (f[k] === null ? undefined : (f[k] ?? def));
    return {
        downForMs: f["down-for"] ?? parseAge(DEFAULT_THRESHOLDS.downFor, ""),
        backupAgeMs: given("backup-age", parseAge(DEFAULT_THRESHOLDS.backupAge, "")),
        certWithinMs: given("cert-within", parseAge(DEFAULT_THRESHOLDS.certWithin, "")),
        drillAgeMs: given("drill-age", parseAge(DEFAULT_THRESHOLDS.drillAge, "")),
        volumeBytes: given("volume-size", parseSize(DEFAULT_THRESHOLDS.volumeSize, "")),
    };
}

function webhookArg(value: string, what: string): string {
    const problem = webhookProblem(value);
    // Not echoed: a webhook's URL often holds its token.
    if (problem) throw new UsageError(`${what}: ${problem}`);
    return value;
}

function webhookOf(url: string | undefined, ctx: Context): Webhook | undefined {
    if (url === undefined) return undefined;
    const secret = ctx.env[SECRET_ENV] ?? "";
    if (secret.length < MIN_SECRET)
        throw new UsageError(
            `--webhook needs ${SECRET_ENV} set to a secret of at least ${MIN_SECRET} characters (the receiver checks each body's signature with it); ${secret ? "it is shorter" : "it is not set"}`,
        );
    return { url, secret };
}

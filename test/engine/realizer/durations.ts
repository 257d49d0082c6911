// Go's time.Duration in text, both ways, as the provider converts health check and update-config
// durations: declared text -> the nanoseconds the Engine API takes, and the nanoseconds Docker
// reports -> the text the provider stores on Read (golang/go src/time/time.go, Duration.String).
/** Go duration text ("1m30s", "500ms") -> nanoseconds, as the Engine API wants ([F] Create: time.ParseDuration). */
export function durationNs(text: string | undefined): number | undefined {
    if (text === undefined || text === "") return undefined;
    const units: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
    let total = 0;
    const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
        total += Number(m[1]) * units[m[2]];
        if (re.lastIndex === text.length) return Math.round(total);
    }
    if (text === "0") return 0;
    throw new Error(`not a duration: ${JSON.stringify(text)} (expected e.g. "10s", "1m30s")`);
}

/** Nanoseconds -> Go's `time.Duration.String()` (golang/go src/time/time.go): "1m0s", "1.5s", "300ms". */
export function goDurationString(ns: number): string {
    if (ns === 0) return "0s";
    const sign = ns < 0 ? "-" : "";
    let n = Math.abs(ns);
    const trim = (x: number, digits: number) => x.toFixed(digits).replace(/\.?0+$/, "");
    if (n < 1e3) return `${sign}${n}ns`;
    if (n < 1e6) return `${sign}${trim(n / 1e3, 3)}µs`;
    if (n < 1e9) return `${sign}${trim(n / 1e6, 6)}ms`;
    const h = Math.floor(n / 3600e9);
    n -= h * 3600e9;
    const m = Math.floor(n / 60e9);
    n -= m * 60e9;
    const s = `${trim(n / 1e9, 9)}s`;
    return sign + (h > 0 ? `${h}h${m}m${s}` : m > 0 ? `${m}m${s}` : s);
}

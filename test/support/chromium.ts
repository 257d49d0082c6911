// Debian's Chromium as the dashboard's browser test and bench drive it (playwright-core, which
// downloads no browser of its own): where it is and how it starts here, as root, offline.
export const CHROMIUM = "/usr/bin/chromium";

/** No sandbox as root; no background calls to hosts this machine cannot reach. */
export const CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

export async function launchChromium(): Promise<import("playwright-core").Browser> {
    const { chromium } = await import("playwright-core");
    return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

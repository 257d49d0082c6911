// The one plain-text table renderer of the commands. Pure: rows in, text out.

/** Left-aligned columns separated by two spaces; trailing spaces trimmed. */
export function columns(rows: readonly (readonly string[])[]): string {
    const widths: number[] = [];
    for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, (c ?? "").length)));
    return rows
        .map((cells) =>
            cells
                .map((c, i) => (c ?? "").padEnd(widths[i]))
                .join("  ")
                .trimEnd(),
        )
        .join("\n");
}

/** A header line, then one line per row. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
    return columns([header, ...rows.map((r) => header.map((_, i) => r[i] ?? ""))]);
}

/** Every line indented by two spaces. */
export function indent(text: string): string {
    return text.replace(/^/gm, "  ");
}

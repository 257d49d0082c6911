// What a refused command must leave as it was: every entry of a directory, its kind and content.
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "fs";
import * as path from "path";

export function snapshot(dir: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name of readdirSync(dir).sort()) {
        const p = path.join(dir, name);
        const st = lstatSync(p);
        out[name] = st.isSymbolicLink()
            ? `link -> ${readlinkSync(p)}`
            : st.isFile()
              ? `${(st.mode & 0o777).toString(8)} ${readFileSync(p, "utf8").slice(0, 200)} (${st.size})`
              : `other ${st.mode.toString(8)}`;
    }
    return out;
}

// The sample output of docs/gitops.md: the real `affected` command in a real git repository:
// acme's stack file changed and old's deleted since origin/main.
import { rmSync, writeFileSync } from "fs";
import * as path from "path";
import { gitProject, session } from "../../support/docSamples";

export async function gitopsAffected(): Promise<Record<string, string>> {
    const pins = (n: number) =>
        `config:\n  frontbase:ports:\n    backend: ${8000 + n}\n    edge: ${3002 + n}\n    frontend: ${8080 + n}\n    redisHttp: ${8079 + n}\n`;
    const s = await session({ files: { "Pulumi.acme.yaml": pins(10), "Pulumi.old.yaml": pins(20), "README.md": "docs\n" } });
    try {
        const git = gitProject(s);
        writeFileSync(path.join(s.projectDir, "Pulumi.acme.yaml"), pins(10).replace("8010", "8011"));
        rmSync(path.join(s.projectDir, "Pulumi.old.yaml"));
        git("commit", "-q", "-am", "acme moves its backend; old goes");
        return {
            "gitops-affected": [
                await s.tenant(["affected", "--base", "origin/main"]),
                await s.tenant(["affected", "--base", "origin/main", "--json"]),
            ].join("\n"),
        };
    } finally {
        await s.close();
    }
}

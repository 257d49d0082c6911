// Every operation of the design document has its row in the table that maps it to a command
// here (docs/operations.md), and the commands the table names exist: the docs' command lines are
// parsed against their declarations by test/unit/docs/commandLines.test.ts.
import { describe, expect, it } from "vitest";
import { findTable } from "../../support/docs";

describe("the design document's operations", () => {
    it("map each one to a command", () => {
        const table = findTable("design document", "this project");
        const operations = [
            "Deploy",
            "--database postgres",
            "--db-password",
            "--max-retries",
            "Check Tenant Status",
            "View Tenant Logs",
            "Restart Tenant",
            "List All Tenants",
            "Check All Running Projects",
            "Cleanup",
            "Remove All Tenant Data",
            "Port Already Allocated",
            "Deployment Fails After Max Retries",
            "Nginx Reverse Proxy",
        ];
        for (const op of operations) expect({ op, row: table.rows.some((r) => r[0].includes(op)) }).toEqual({ op, row: true });
        const commands = table.rows.map((r) => r[1]).join("\n");
        for (const command of ["status", "logs", "restart", "ls", "check", "purge", "why-port", "nginx", "new"])
            expect(commands).toContain(`npm run tenant -- ${command}`);
    });
});

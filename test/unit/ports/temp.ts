// Moved to test/support/temp.ts. This re-export keeps the importers that other branches are
// changing (test/unit/ports, test/unit/ops, test/integration) working until they are merged;
// then point them at test/support and delete this file.
export * from "../../support/temp";

// cli/table.ts, the one table renderer of every command.
import { describe, expect, it } from "vitest";
import { columns, indent, table } from "../../../cli/table";
import { url } from "../../../components/naming";

describe("table", () => {
    it("aligns columns and trims trailing spaces", () => {
        expect(
            table(
                ["A", "LONGER"],
                [
                    ["xx", "y"],
                    ["", ""],
                ],
            ),
        ).toBe("A   LONGER\nxx  y\n");
    });

    it("pads short rows and ignores cells past the header", () => {
        expect(table(["A", "B", "C"], [["1"], ["1", "2", "3", "4"]])).toBe("A  B  C\n1\n1  2  3");
    });

    it("columns: the same alignment without a header; indent: two spaces per line", () => {
        expect(
            columns([
                ["ls", "every tenant"],
                ["why-port", "who holds a port"],
            ]),
        ).toBe("ls        every tenant\nwhy-port  who holds a port");
        expect(indent("a\nb")).toBe("  a\n  b");
    });

    it("url: the public host and port, or - for none", () => {
        expect([url("vps.example.com", 8081), url("localhost", undefined)]).toEqual(["http://vps.example.com:8081", "-"]);
    });
});

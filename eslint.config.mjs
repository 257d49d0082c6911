// `npm run lint` (and npm test): typescript-eslint's recommended rules on the TypeScript, the
// language's own on the JavaScript, with the globals each kind of file really has.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", "bin/", "test-output/", "test/.state/"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        files: ["**/*.ts", "**/*.mts"],
        languageOptions: { globals: globals.node },
        rules: {
            // Unused names are tsc's (noUnusedLocals); `_`-prefixed parameters say "unused on purpose".
            "@typescript-eslint/no-unused-vars": [
                "error",
                { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true },
            ],
            // `ok ? resolve(x) : reject(e)` and `a && b()` are statements here, on purpose.
            "@typescript-eslint/no-unused-expressions": ["error", { allowShortCircuit: true, allowTernary: true }],
        },
    },
    {
        // Tests and the engine double handle the Engine's and the provider's untyped JSON.
        files: ["test/**"],
        rules: { "@typescript-eslint/no-explicit-any": "off" },
    },
    {
        // Node's CommonJS: the require hooks, the program's entry, the image stand-ins.
        files: ["scripts/**/*.js", "test/images/**/*.js"],
        languageOptions: { sourceType: "commonjs", globals: globals.node },
        rules: {
            "@typescript-eslint/no-require-imports": "off",
            "@typescript-eslint/no-unused-expressions": ["error", { allowShortCircuit: true, allowTernary: true }],
            // `const crypto = require("crypto")` is Node's module, not a second declaration.
            "no-redeclare": ["error", { builtinGlobals: false }],
        },
    },
    {
        // The dashboard's page runs in the browser, loaded as a classic script.
        files: ["dashboard/page/**/*.js"],
        languageOptions: { sourceType: "script", globals: globals.browser },
    },
);

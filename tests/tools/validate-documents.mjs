// Reads policy documents as YAML 1.1 tooling does (PyYAML; js-yaml with its YAML 1.1 schema), which
// turns an unquoted 2027-01-31 into a date and yes/on into true, and validates them with Ajv in its
// default strict mode, the gate's own x- keywords declared as a vocabulary as the README tells Ajv users.
//   node validate-documents.mjs SCHEMA_DIR FILE...   prints "FILE: problem" lines; exit 1 on any
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import { load, YAML11_SCHEMA } from "js-yaml";

const [schemaDirectory, ...files] = process.argv.slice(2);
const ajv = new Ajv({ allErrors: true });
ajv.addVocabulary(["x-stricter", "x-key", "x-unset", "x-item-defaults"]);
const schemas = {
  GatePolicy: "gate-policy.v1.schema.json",
  ThreatModel: "threat-model.v1.schema.json",
  GateBaseline: "gate-baseline.v1.schema.json",
};
const validators = Object.fromEntries(Object.entries(schemas).map(([kind, file]) =>
  [kind, ajv.compile(JSON.parse(readFileSync(join(schemaDirectory, file), "utf8")))]));

let problems = 0;
for (const file of files) {
  let document;
  try {
    document = load(readFileSync(file, "utf8"), { schema: YAML11_SCHEMA });
  } catch (error) {
    console.log(`${file}: ${error.message.split("\n")[0]}`);
    problems++;
    continue;
  }
  const validate = validators[document?.kind];
  if (!validate) {
    console.log(`${file}: kind ${document?.kind} has no schema`);
    problems++;
  } else if (!validate(document)) {
    for (const error of validate.errors) console.log(`${file}: ${error.instancePath || "/"} ${error.message}`);
    problems++;
  }
}
process.exit(problems === 0 ? 0 : 1);

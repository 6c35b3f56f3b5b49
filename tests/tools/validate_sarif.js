// Validates a SARIF log against the SARIF 2.1.0 JSON schema (draft-04).
// usage: node validate_sarif.js SCHEMA.json LOG.sarif
'use strict';
const fs = require('fs');
const Ajv = require('ajv-draft-04');
const addFormats = require('ajv-formats');

const [schemaPath, logPath] = process.argv.slice(2);
if (!schemaPath || !logPath) {
  console.error('usage: node validate_sarif.js SCHEMA.json LOG.sarif');
  process.exit(2);
}
const ajv = new Ajv({allErrors: true, strict: false});
addFormats(ajv);
const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaPath, 'utf8')));
const log = JSON.parse(fs.readFileSync(logPath, 'utf8'));
if (!validate(log)) {
  for (const e of validate.errors) {
    console.error(`${e.instancePath || '/'}: ${e.message} ${JSON.stringify(e.params)}`);
  }
  process.exit(1);
}
const results = log.runs.reduce((n, run) => n + (run.results || []).length, 0);
console.log(`valid SARIF 2.1.0: ${log.runs.length} run(s), ${results} result(s)`);

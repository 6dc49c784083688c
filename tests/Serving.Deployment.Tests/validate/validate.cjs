// Validates rendered Kubernetes manifests against the Kubernetes (and Prometheus operator) schemas
// of npm kubernetes-models, and checks that YAML/JSON files embedded in ConfigMaps parse.
//   node validate.cjs <rendered.yaml>
// Modules resolve through NODE_PATH (the set-up's npm cache). Prints one JSON object on stdout:
// {"documents": [...every manifest...], "errors": ["Kind/name: message", ...]}; exits 1 on errors.
"use strict";
const fs = require("fs");
const path = require("path");
const url = require("url");
const YAML = require("yaml");

// kubernetes-models is CommonJS (resolved through NODE_PATH); the Prometheus operator models are
// ES modules only, which NODE_PATH does not reach: import them by file from the first NODE_PATH folder
// that holds them.
async function modelFor(apiVersion, kind) {
  if (apiVersion.startsWith("monitoring.coreos.com/")) {
    for (const dir of (process.env.NODE_PATH || "").split(path.delimiter).filter(Boolean)) {
      const file = path.join(dir, "@kubernetes-models/prometheus-operator", apiVersion, `${kind}.js`);
      if (fs.existsSync(file)) return (await import(url.pathToFileURL(file).href))[kind];
    }
    return undefined;
  }
  try {
    return require(`kubernetes-models/${apiVersion}/${kind}`)[kind];
  } catch (e) {
    if (e.code === "MODULE_NOT_FOUND") return undefined;
    throw e;
  }
}

function checkEmbedded(doc, errors) {
  if (doc.kind !== "ConfigMap" || !doc.data) return;
  for (const [key, text] of Object.entries(doc.data)) {
    try {
      if (key.endsWith(".json")) JSON.parse(text);
      else if (key.endsWith(".yaml") || key.endsWith(".yml")) {
        const parsed = YAML.parseAllDocuments(text);
        for (const p of parsed) if (p.errors.length) throw p.errors[0];
      }
    } catch (e) {
      errors.push(`ConfigMap/${doc.metadata.name}: data key ${key} does not parse: ${e.message}`);
    }
  }
}

async function main() {
const file = process.argv[2];
if (!file) {
  console.error("usage: node validate.cjs <rendered.yaml>");
  process.exit(2);
}
const errors = [];
const documents = [];
for (const parsed of YAML.parseAllDocuments(fs.readFileSync(file, "utf8"))) {
  if (parsed.errors.length) {
    errors.push(`YAML: ${parsed.errors[0].message}`);
    continue;
  }
  const doc = parsed.toJS();
  if (doc === null || doc === undefined) continue;
  const id = `${doc.kind}/${doc.metadata && doc.metadata.name}`;
  documents.push(doc);
  if (!doc.apiVersion || !doc.kind) {
    errors.push(`${id}: no apiVersion or kind`);
    continue;
  }
  const Model = await modelFor(doc.apiVersion, doc.kind);
  if (!Model) {
    errors.push(`${id}: no schema for ${doc.apiVersion} ${doc.kind}`);
    continue;
  }
  try {
    new Model(doc).validate();
  } catch (e) {
    errors.push(`${id}: ${e.message}`);
  }
  checkEmbedded(doc, errors);
}
process.stdout.write(JSON.stringify({ documents, errors }));
process.exit(errors.length ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});

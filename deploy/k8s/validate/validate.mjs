#!/usr/bin/env node
// Validates Kubernetes manifests offline against the API's own schemas: kubernetes-models (the Kubernetes OpenAPI
// schemas compiled to JSON Schema validators) and @kubernetes-models/prometheus-operator (the monitoring.coreos.com
// CRD schemas: PodMonitor, ServiceMonitor, PrometheusRule). Types, required fields, enums and formats come from the
// schemas. The schemas allow unknown fields (the API server drops or rejects them, depending on its field
// validation), so each field is also probed: a field whose schema rejects neither a boolean nor a string has no
// schema at all, and is reported as unknown (kubectl --validate=strict does the same check against a live server).
//   node validate.mjs FILE...      prints "FILE: Kind/name ok" per object; exit 1 on any error, 3 on unreadable input
import fs from "node:fs";
import { parseAllDocuments } from "yaml";

const errors = [];

/** The model class for apiVersion/kind, or null when no schema is known for it. */
async function modelFor(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !/^[A-Za-z0-9]+$/.test(kind)) return null;
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/", 2) : ["", apiVersion];
  const path = group === "monitoring.coreos.com"
    ? `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`
    : `kubernetes-models/${group === "" ? "" : group + "/"}${version}/${kind}`;
  try {
    const m = await import(path);
    return m[kind] ?? null;
  } catch {
    return null;
  }
}

function validate(Model, obj) {
  try {
    new Model(obj).validate();
    return [];
  } catch (e) {
    return e.errors ?? [{ instancePath: "", message: e.message }];
  }
}

/** Every path (array of keys) to an object member in obj, parents first. */
function* memberPaths(value, path = []) {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* memberPaths(value[i], [...path, i]);
  } else if (value !== null && typeof value === "object") {
    for (const key of Object.keys(value)) {
      yield [...path, key];
      yield* memberPaths(value[key], [...path, key]);
    }
  }
}

function withValue(obj, path, v) {
  const copy = structuredClone(obj);
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k];
  o[path[path.length - 1]] = v;
  return copy;
}

const pointer = (path) => "/" + path.map((k) => String(k).replaceAll("~", "~0").replaceAll("/", "~1")).join("/");

/** Fields under which any value validates: no schema knows them. Children of an unknown field are not probed. */
function unknownFields(Model, obj) {
  const unknown = [];
  for (const path of memberPaths(obj)) {
    const p = pointer(path);
    if (unknown.some((u) => p.startsWith(u + "/"))) continue;
    if (path.length === 2 && path[0] === "metadata" && (path[1] === "labels" || path[1] === "annotations")) continue;
    const constrained = [true, "\u0000probe"].some((probe) =>
      validate(Model, withValue(obj, path, probe)).some((e) => e.instancePath === p || e.instancePath.startsWith(p + "/")));
    if (!constrained) unknown.push(p);
  }
  return unknown;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write("usage: validate.mjs FILE...\n");
  process.exit(3);
}
for (const file of files) {
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    process.stderr.write(`${file}: cannot read (${e.code ?? e.message})\n`);
    process.exit(3);
  }
  const docs = parseAllDocuments(text);
  docs.forEach((doc, i) => {
    if (doc.errors.length > 0) {
      errors.push(`${file}: document ${i + 1}: not YAML: ${doc.errors[0].message.split("\n")[0]}`);
    }
  });
  for (const [i, doc] of docs.entries()) {
    if (doc.errors.length > 0) continue;
    const obj = doc.toJS();
    if (obj === null || obj === undefined) continue;
    const where = `${file}: document ${i + 1} (${obj.kind ?? "?"}/${obj.metadata?.name ?? "?"})`;
    const Model = await modelFor(obj.apiVersion, obj.kind);
    if (Model === null) {
      errors.push(`${where}: no schema for apiVersion ${JSON.stringify(obj.apiVersion)} kind ${JSON.stringify(obj.kind)}`);
      continue;
    }
    const found = validate(Model, obj).map((e) => `${where}: ${e.instancePath || "/"}: ${e.message}`);
    found.push(...unknownFields(Model, obj).map((p) => `${where}: ${p}: unknown field (no schema for it)`));
    if (found.length === 0) process.stdout.write(`${where}: ok\n`);
    errors.push(...found);
  }
}
for (const e of errors) process.stdout.write(e + "\n");
process.exit(errors.length === 0 ? 0 : 1);

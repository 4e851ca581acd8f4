#!/usr/bin/env node
// Runs the real search engine of templates/assets/search.js on a built site's static index.
//
//   node tests/js/static_search.js SITE_DIR < queries.json
//
// queries.json: [{"q": "...", "department"?: "...", "category"?: "...", "limit"?: n}]. Prints one
// JSON array: for each query the response of the engine, plus what it downloaded: `bytes` and
// `files` (each query starts with empty caches, as a fresh page would, meta.json included).
'use strict';
const fs = require('fs');
const path = require('path');
const engine = require(path.join(__dirname, '..', '..', 'templates', 'assets', 'search.js'));

async function main() {
  const site = process.argv[2];
  if (!site) {
    console.error('usage: static_search.js SITE_DIR < queries.json');
    process.exit(2);
  }
  const queries = JSON.parse(fs.readFileSync(0, 'utf8'));
  const out = [];
  for (const req of queries) {
    const seen = { bytes: 0, files: 0 };
    const load = async (rel, as) => {
      const buf = await fs.promises.readFile(path.join(site, 'search', rel));
      seen.bytes += buf.length;
      seen.files += 1;
      if (as === 'json') return JSON.parse(buf.toString('utf8'));
      return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    };
    const index = await engine.StaticIndex.open(load);
    const t = process.hrtime.bigint();
    const r = await index.search({ limit: 10, ...req });
    r.ms = Number(process.hrtime.bigint() - t) / 1e6;
    r.bytes = seen.bytes;
    r.files = seen.files;
    out.push(r);
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});

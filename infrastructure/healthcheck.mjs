#!/usr/bin/env node
// Container healthcheck: exits 0 when URL answers 2xx within 3 s, 1 otherwise.
// The Node image has no curl; docker-compose.yml runs `node infrastructure/healthcheck.mjs URL`.
//
//   node infrastructure/healthcheck.mjs http://127.0.0.1:9000/health
const url = process.argv[2];
if (!url) {
  console.error('usage: node infrastructure/healthcheck.mjs URL');
  process.exit(2);
}
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
  process.exit(response.ok ? 0 : 1);
} catch (error) {
  console.error(`healthcheck ${url}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

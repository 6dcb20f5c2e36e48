#!/usr/bin/env node
// The `mock-s3` command (package.json "bin"): loads the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../tools/cli/main.ts');
process.exitCode = await run(process.argv.slice(2));

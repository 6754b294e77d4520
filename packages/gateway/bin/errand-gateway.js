#!/usr/bin/env node
// The `errand-gateway` command: the compiled CLI (npm run build).
import { runCli } from '../dist/cli.js';

runCli(process.argv.slice(2));

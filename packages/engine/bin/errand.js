#!/usr/bin/env node
// The `errand` command: the compiled CLI (npm run build).
import '../dist/cli.js';

#!/usr/bin/env node
// The `errand` command. Errand ships TypeScript sources; tsx runs them without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');

#!/usr/bin/env node
// ringwatch's entry: Node's compile cache first (common/runtime/compile-cache.ts), then the command line
// (app/cli.ts), whose modules are then read from the cache after the first run.
import { enableCompileCache } from '../common/runtime/compile-cache.ts';

enableCompileCache();
await import('./cli.ts');

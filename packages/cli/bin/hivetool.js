#!/usr/bin/env node
// The bundled command line (build.mjs): a few chunks load at start-up instead of the
// ~80 modules of dist/, which stays the package's library entry.
import { main } from '../bundle/main.js';

process.exitCode = await main(process.argv.slice(2));

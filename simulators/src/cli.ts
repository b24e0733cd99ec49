#!/usr/bin/env node
/** Entry point: `node simulators/dist/cli.js --credentials FILE [options]` (see cli/options.ts or --help). */
import { runCli } from './cli/run.js';

process.exitCode = await runCli(process.argv.slice(2));

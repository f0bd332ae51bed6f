#!/usr/bin/env node
// Stand-alone entry until the livelink command mounts `livelink xlog`.
import { runXlogCommand } from '../src/cli.ts';

process.exitCode = await runXlogCommand(process.argv.slice(2));

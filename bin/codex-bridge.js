#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

main(process.argv).catch((error) => {
  // main() reports expected failures itself; anything reaching here is a bug, so say so plainly.
  process.stderr.write(`codex-bridge: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(70);
});

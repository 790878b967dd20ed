#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

main(process.argv).catch((error) => {
  // main() reports expected failures itself; anything reaching here is a bug, so say so plainly.
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`codex-bridge: internal error: ${message.split('\n')[0]} — please report it with the command you ran (exit code 70)\n`);
  process.exit(70);
});

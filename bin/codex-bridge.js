#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

// `codex-bridge … | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

main(process.argv).catch((error) => {
  // main() reports expected failures itself; anything reaching here is a bug, so say so plainly.
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`codex-bridge: internal error: ${message.split('\n')[0]} — please report it with the command you ran (exit code 70)\n`);
  process.exit(70);
});

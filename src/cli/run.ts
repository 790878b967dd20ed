import type { Command } from 'commander';

// Placeholder, replaced by the run command.
export function registerRun(_program: Command): void {}

import type { Command } from 'commander';

// Placeholder, replaced by the serve command.
export function registerServe(_program: Command): void {}

// Prints the provider × scenario matrix collected by compat-matrix.test.ts, as the Markdown table
// the README carries, with the reason under each ✗.
import type { Reporter, TestModule } from 'vitest/node';
import type { CompatCell } from './compat-matrix.test.js';
import { SCENARIOS } from './compat-scenarios.js';

export default class CompatMatrixReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const cells: CompatCell[] = [];
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const cell = (test.meta() as { compat?: CompatCell }).compat;
        if (cell) cells.push(cell);
      }
    }
    if (cells.length === 0) return;
    const providers = [...new Map(cells.map((c) => [c.provider, c.name])).entries()];
    const lines = [`| provider | ${SCENARIOS.join(' | ')} |`, `|---|${SCENARIOS.map(() => ':-:').join('|')}|`];
    const notes: string[] = [];
    for (const [id, name] of providers) {
      const row = SCENARIOS.map((scenario) => {
        const cell = cells.find((c) => c.provider === id && c.scenario === scenario);
        if (!cell) return '?';
        if (cell.ok) return '✓';
        notes.push(`${name}, ${scenario}: ${cell.note ?? 'failed'}`);
        return `✗${notes.length}`;
      });
      lines.push(`| ${name} | ${row.join(' | ')} |`);
    }
    process.stdout.write(`\n${lines.join('\n')}\n`);
    if (notes.length > 0) process.stdout.write(`\n${notes.map((n, i) => `${i + 1}. ${n}`).join('\n')}\n`);
    process.stdout.write('\n');
  }
}

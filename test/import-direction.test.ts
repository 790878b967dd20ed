import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The folders of src/ import one way (README.md, "Layout"): a folder may import only from those
// listed below it here. A new folder must be placed in this order before it can be imported.
const LAYERS: string[][] = [['cli'], ['codex', 'doctor'], ['server'], ['trust', 'usage'], ['config', 'sessions', 'providers'], ['state'], ['translate', 'pricing'], ['storage'], ['output']];
// Within a layer, these sideways imports are allowed (still one way).
const SIDEWAYS = new Set(['doctor->codex', 'config->providers']);

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const layerOf = (folder: string) => LAYERS.findIndex((layer) => layer.includes(folder));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

/** "from → to" for every relative import (static or dynamic) that leaves its folder. */
function folderEdges(): string[] {
  const edges = new Set<string>();
  for (const file of sourceFiles(SRC)) {
    const from = path.relative(SRC, file).split(path.sep)[0];
    for (const match of readFileSync(file, 'utf8').matchAll(/(?:from\s+|import\s*\(?)\s*'(\.{1,2}\/[^']+)'/g)) {
      const to = path.relative(SRC, path.resolve(path.dirname(file), match[1])).split(path.sep)[0];
      if (to !== from) edges.add(`${from}->${to}`);
    }
  }
  return [...edges].sort();
}

describe('import direction between src/ folders', () => {
  const edges = folderEdges();

  it('knows every folder', () => {
    const folders = readdirSync(SRC, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    expect(folders.filter((folder) => layerOf(folder) < 0)).toEqual([]);
  });

  it('only imports downwards (or along an allowed sideways edge)', () => {
    const upward = edges.filter((edge) => {
      const [from, to] = edge.split('->');
      return layerOf(to) < layerOf(from) || (layerOf(to) === layerOf(from) && !SIDEWAYS.has(edge));
    });
    expect(upward).toEqual([]);
    // The scan itself sees imports (so an empty list above means something).
    expect(edges).toContain('server->translate');
  });
});

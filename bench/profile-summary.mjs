#!/usr/bin/env node
// node bench/profile-summary.mjs <file.cpuprofile> [top=25] [--until <function name>]
// Self and inclusive time per function from a `node --cpu-prof` profile (npm run bench -- --cpu-prof
// writes the bridge's into bench/profiles/), to see where the bridge spends its time. --until stops
// at the first sample with that function on the stack (e.g. --until spawn: start-up before the child).
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const untilAt = args.indexOf('--until');
const until = untilAt >= 0 ? args.splice(untilAt, 2)[1] : undefined;
const [file, topArg] = args;
if (!file) {
  process.stderr.write('usage: node bench/profile-summary.mjs <file.cpuprofile> [top]\n');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

// Time per sample: the delta that follows it.
const selfUs = new Map();
const onStack = (id, name) => {
  for (let at = id; at !== undefined; at = parent.get(at)) if (byId.get(at).callFrame.functionName === name) return true;
  return false;
};
for (let i = 0; i < profile.samples.length; i++) {
  if (until && onStack(profile.samples[i], until)) break;
  const dt = profile.timeDeltas[i + 1] ?? 0;
  selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + dt);
}
const label = (node) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${url.replace(/^.*\/(node_modules|dist|bench)\//, '$1/').replace(/^node:/, '')}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
};
const self = new Map();
const inclusive = new Map();
let total = 0;
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  total += us;
  self.set(label(node), (self.get(label(node)) ?? 0) + us);
  // Inclusive: once per distinct label on the stack (recursion counted once).
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const name = label(byId.get(at));
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + us);
  }
}
const print = (title, map) => {
  process.stdout.write(`\n${title} (of ${(total / 1000).toFixed(0)} ms sampled)\n`);
  for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${name}\n`);
  }
};
print('self time', self);
print('inclusive time', inclusive);

import { pass, fail, type DoctorCheck } from './types.js';

export const MIN_NODE_MAJOR = 20;

/** Node 20 or newer (package.json's engines). */
export function checkNode(version: string = process.versions.node): DoctorCheck {
  const major = Number(version.split('.')[0]);
  if (Number.isInteger(major) && major >= MIN_NODE_MAJOR) return pass('node', `v${version}`);
  return fail('node', `v${version} is too old: codex-bridge needs Node ${MIN_NODE_MAJOR} or newer`, `install Node ${MIN_NODE_MAJOR} or newer (https://nodejs.org, or nvm install ${MIN_NODE_MAJOR})`);
}

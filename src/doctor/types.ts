// One line of `codex-bridge doctor`: ✓/✗ (or ! for a warning, · for information), a name, what was
// found, and for anything not fine, the fix.

export type CheckLevel = 'ok' | 'warn' | 'info' | 'fail';

export interface DoctorCheck {
  name: string;
  /** False only for a failure: warnings and information don't make the exit code 1. */
  ok: boolean;
  level: CheckLevel;
  detail: string;
  fix?: string;
}

export const pass = (name: string, detail: string): DoctorCheck => ({ name, ok: true, level: 'ok', detail });
export const fail = (name: string, detail: string, fix: string): DoctorCheck => ({ name, ok: false, level: 'fail', detail, fix });
export const warn = (name: string, detail: string, fix?: string): DoctorCheck => ({ name, ok: true, level: 'warn', detail, ...(fix && { fix }) });
export const info = (name: string, detail: string, fix?: string): DoctorCheck => ({ name, ok: true, level: 'info', detail, ...(fix && { fix }) });

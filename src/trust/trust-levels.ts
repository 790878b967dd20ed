// Codex's trust levels, apart from the store so that reading a profile loads nothing else.

const TRUST_LEVELS = new Set(['trusted', 'untrusted']);

/** A trust level Codex may write (anything else in a profile is left alone). */
export const isTrustLevel = (value: unknown): value is string => typeof value === 'string' && TRUST_LEVELS.has(value);

import type { SessionRecord } from './session-records.js';

// Whether `codex-bridge resume` can continue a session, and if not, the one line that says why.

const printable = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

/**
 * Undefined if the session can be resumed; else why not. `upstreamGiven`: the flags name an
 * upstream or a provider, which stands in for one the session did not record.
 */
export function whyNotResumable(record: SessionRecord, upstreamGiven = false): string | undefined {
  const id = printable(record.id);
  if (record.client === 'api') {
    const last = record.store?.responses.at(-1)?.id;
    const how = last
      ? `a Responses client continues it by sending previous_response_id "${printable(last)}" to a bridge with the same sessions home`
      : 'none of its responses is saved to continue from';
    return `session ${id} is an API client's session, not a Codex conversation, so Codex cannot resume it: ${how}`;
  }
  if (!record.upstreamUrl && !upstreamGiven) {
    const where = [record.upstream && `on ${printable(record.upstream)}`, record.model && `with ${printable(record.model)}`].filter(Boolean).join(' ');
    return `session ${id} has no recorded upstream (an older codex-bridge kept only its host${where ? `; it ran ${where}` : ''}): pass --provider <id> or --upstream <url>`;
  }
  return undefined;
}

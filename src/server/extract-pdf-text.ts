import { createHash } from 'node:crypto';
import { fileBytesBase64, pdfToExtract } from '../translate/convert-input-file.js';
import { TranslationError } from '../translate/translation-error.js';

// The text of the PDFs in a request, for a provider that reads no files (fileInput `text`). unpdf
// (pdf.js, pure JavaScript) is loaded on the first PDF only. The same file comes back every turn of
// a conversation, so the text of the last few is kept, by the hash of their bytes.

const KEPT = 32;
const kept = new Map<string, Promise<string>>();

const NO_TEXT = '(no text could be extracted: the PDF may hold only scanned images)';

async function extract(base64: string): Promise<string> {
  const { extractText, getDocumentProxy } = await import('unpdf');
  const pdf = await getDocumentProxy(new Uint8Array(Buffer.from(base64, 'base64')), { verbosity: 0 });
  try {
    const { text } = await extractText(pdf, { mergePages: true });
    return text.trim() === '' ? NO_TEXT : text;
  } finally {
    await pdf.destroy();
  }
}

function textOf(base64: string): Promise<string> {
  const key = createHash('sha256').update(base64).digest('base64url');
  let text = kept.get(key);
  if (text) {
    kept.delete(key);
  } else {
    text = extract(base64);
    // A failure is not kept: the next request tries again.
    text.catch(() => kept.delete(key));
  }
  kept.set(key, text);
  while (kept.size > KEPT) kept.delete(kept.keys().next().value as string);
  return text;
}

/** Every `input_file` part in items' content and tool outputs. */
function fileParts(items: readonly unknown[]): Array<Record<string, unknown>> {
  const parts: Array<Record<string, unknown>> = [];
  for (const item of items) {
    if (!item || typeof item !== 'object') continue;
    const { content, output } = item as { content?: unknown; output?: unknown };
    for (const list of [content, output]) {
      if (!Array.isArray(list)) continue;
      for (const part of list) if (part && typeof part === 'object' && (part as { type?: unknown }).type === 'input_file') parts.push(part);
    }
  }
  return parts;
}

/**
 * The text of each PDF among `items`, by its file_data; undefined if there is none. A PDF that
 * cannot be read is a TranslationError naming it.
 */
export async function extractPdfTexts(items: readonly unknown[]): Promise<((fileData: string) => string | undefined) | undefined> {
  const texts = new Map<string, string>();
  for (const part of fileParts(items)) {
    const fileData = pdfToExtract(part);
    if (fileData === undefined || texts.has(fileData)) continue;
    const name = typeof part.filename === 'string' && part.filename !== '' ? part.filename : 'file';
    try {
      texts.set(fileData, await textOf(fileBytesBase64(fileData)));
    } catch (error) {
      throw new TranslationError(`the PDF ${JSON.stringify(name)} could not be read: ${(error as Error)?.message ?? String(error)}`, 'input');
    }
  }
  return texts.size === 0 ? undefined : (fileData) => texts.get(fileData);
}

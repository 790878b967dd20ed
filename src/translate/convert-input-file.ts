import type { ChatContentPart } from './types.js';
import { TranslationError } from './translation-error.js';

// `input_file` content parts. A provider that reads files (the fileInput quirk `file`) gets a chat
// `file` part. For the others (`text`), a text file is inlined and a PDF becomes the text the
// server extracted from it beforehand (extraction is asynchronous, translation is not), each marked
// as such; any other file is refused with a 400 that names it. Nothing is dropped silently.

export type FileInputMode = 'file' | 'text';

export interface FileInputOptions {
  mode: FileInputMode;
  /** The text of a PDF, by the part's `file_data`, extracted by the server before translation. */
  pdfText?: (fileData: string) => string | undefined;
}

interface DecodedFile {
  name: string;
  mediaType: string;
  /** The file's bytes, base64-encoded. */
  base64: string;
}

const TEXT_MEDIA_TYPES = /^(text\/|application\/(json|xml|javascript|x-javascript|ecmascript|yaml|x-yaml|toml|x-toml|sql|x-sh|x-python|graphql|ld\+json)$|.*\+(json|xml)$)/;
const TEXT_EXTENSIONS =
  /\.(txt|text|md|markdown|rst|csv|tsv|json|jsonl|ndjson|xml|html?|css|js|mjs|cjs|ts|tsx|jsx|py|rb|go|rs|java|kt|c|h|cc|cpp|hpp|cs|php|sh|bash|zsh|ps1|sql|ya?ml|toml|ini|cfg|conf|log|tex|diff|patch|svg)$/i;

/** `data:<type>;base64,<data>`, or bare base64 (its type then comes from the file name). */
function decodeFileData(fileData: string, name: string): DecodedFile {
  const dataUrl = /^data:([^;,]*)(;[^,]*)?,(.*)$/s.exec(fileData);
  if (!dataUrl) return { name, mediaType: name.toLowerCase().endsWith('.pdf') ? 'application/pdf' : '', base64: fileData };
  const [, mediaType, params = '', data] = dataUrl;
  const base64 = params.split(';').includes('base64') ? data : Buffer.from(decodeURIComponent(data), 'utf8').toString('base64');
  return { name, mediaType: mediaType.toLowerCase(), base64 };
}

function isPdf(file: DecodedFile): boolean {
  return file.mediaType === 'application/pdf' || file.name.toLowerCase().endsWith('.pdf') || file.base64.startsWith('JVBERi0'); // "%PDF-"
}

/** The file's text if it is one: a text type or extension, or UTF-8 without NUL bytes. */
function textOf(file: DecodedFile): string | undefined {
  const bytes = Buffer.from(file.base64, 'base64');
  const declared = TEXT_MEDIA_TYPES.test(file.mediaType) || TEXT_EXTENSIONS.test(file.name);
  if (!declared && file.mediaType !== '' && file.mediaType !== 'application/octet-stream') return undefined;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return declared || !text.includes('\u0000') ? text : undefined;
  } catch {
    return undefined;
  }
}

function fileDataOf(part: Record<string, unknown>, path: string): string | undefined {
  if (typeof part.file_data === 'string' && part.file_data !== '') return part.file_data;
  if (typeof part.file_id === 'string') {
    throw new TranslationError(`${path}: input_file file_id ${JSON.stringify(part.file_id)}: this bridge has no Files API; send the file itself as file_data`, path);
  }
  return undefined;
}

/** The base64 of a PDF that text mode will need extracted, else undefined. */
export function pdfToExtract(part: unknown): string | undefined {
  if (!part || typeof part !== 'object') return undefined;
  const { type, file_data: fileData, filename } = part as Record<string, unknown>;
  if (type !== 'input_file' || typeof fileData !== 'string' || fileData === '') return undefined;
  return isPdf(decodeFileData(fileData, typeof filename === 'string' ? filename : '')) ? fileData : undefined;
}

/** The base64 payload of `file_data` (data URL or bare base64). */
export function fileBytesBase64(fileData: string): string {
  return decodeFileData(fileData, '').base64;
}

/** One `input_file` part → the chat part it becomes for this provider. */
export function convertInputFile(part: Record<string, unknown>, path: string, options: FileInputOptions): ChatContentPart {
  const name = typeof part.filename === 'string' && part.filename !== '' ? part.filename : 'file';
  const fileData = fileDataOf(part, path);
  const fileUrl = typeof part.file_url === 'string' && part.file_url !== '' ? part.file_url : undefined;
  if (fileData === undefined) {
    if (fileUrl === undefined) throw new TranslationError(`${path}: input_file needs file_data (or file_url)`, path);
    if (options.mode === 'file') return { type: 'file', file: { filename: name, file_data: fileUrl } };
    throw new TranslationError(
      `${path}: input_file ${JSON.stringify(name)} is given by file_url, which this bridge does not fetch for a provider that takes no files; send its contents as file_data`,
      path,
    );
  }
  const file = decodeFileData(fileData, name);
  const text = isPdf(file) ? undefined : textOf(file);
  // Every model reads text: a text file is inlined whatever the provider takes.
  if (text !== undefined) return { type: 'text', text: `[contents of the file "${name}"]\n${text}` };
  if (options.mode === 'file') {
    const dataUrl = fileData.startsWith('data:') ? fileData : `data:${file.mediaType || 'application/octet-stream'};base64,${file.base64}`;
    return { type: 'file', file: { filename: name, file_data: dataUrl } };
  }
  if (isPdf(file)) {
    const extracted = options.pdfText?.(fileData);
    if (extracted === undefined) throw new TranslationError(`${path}: the PDF ${JSON.stringify(name)} could not be read`, path);
    return { type: 'text', text: `[text extracted from the PDF "${name}"; its layout and images are not included]\n${extracted}` };
  }
  throw new TranslationError(
    `${path}: input_file ${JSON.stringify(name)} (${file.mediaType || 'unknown type'}) cannot be sent to this provider, which takes no files: only text files and PDFs are read for it`,
    path,
  );
}

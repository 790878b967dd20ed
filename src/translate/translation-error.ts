/** A request the bridge cannot translate. The server answers it with a 400 naming `param`. */
export class TranslationError extends Error {
  override name = 'TranslationError';
  constructor(
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

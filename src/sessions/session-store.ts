// Placeholder: the real SessionStore is being written alongside the translators.
export class SessionStore {}

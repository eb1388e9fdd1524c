/** A phone number as typed, read into international form, or a refusal in plain words. */
export type PhoneParse = { readonly ok: true; readonly phone: string } | { readonly ok: false; readonly message: string };

const DIGITS = /^\+?[1-9]\d{4,15}$/;

/** `+1 (555) 123-4567` → `+15551234567`; anything else gets a plain answer. */
export function parsePhone(text: string): PhoneParse {
  const compact = text.trim().replace(/[\s()-]/g, '');
  if (!DIGITS.test(compact)) return { ok: false, message: `"${text.trim()}" is not a phone number: use the international form, like +15551234567.` };
  return { ok: true, phone: compact.startsWith('+') ? compact : `+${compact}` };
}

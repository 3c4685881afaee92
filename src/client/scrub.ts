// Scrubbing of personal data. URLs are scrubbed by default; property values on request.

const SECRET_PARAM = /^(?:.*[-_])?(?:token|access[-_]?token|id[-_]?token|auth|authorization|password|passwd|pwd|secret|api[-_]?key|key|session|sessionid|signature|sig|code|otp)$/i;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const IPV4 = /\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/g;
const IPV6 = /(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])/g;
const CARD_CANDIDATE = /\b(?:\d[ -]?){12,18}\d\b/g;

/** Luhn checksum (ISO/IEC 7812-1). */
export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length >= 13 && sum % 10 === 0;
}

/** Replaces e-mail addresses, card numbers passing Luhn, and IPv4/IPv6 addresses in a string. */
export function scrubText(s: string): string {
  if (s.length < 7) return s;
  return s
    .replace(EMAIL, '[email]')
    .replace(CARD_CANDIDATE, (m) => (luhn(m.replace(/[ -]/g, '')) ? '[card]' : m))
    .replace(IPV4, '[ip]')
    // Compressed (::) or all eight groups: times like 12:30:45 and MAC addresses are left alone.
    .replace(IPV6, (m) => ((m.includes('::') && /[0-9A-Fa-f]/.test(m)) || m.split(':').length === 8 ? '[ip]' : m));
}

/** A URL with secret-looking query parameters and e-mail addresses redacted. Invalid URLs are scrubbed as text. */
export function scrubUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return scrubText(url);
  }
  for (const key of [...u.searchParams.keys()]) {
    if (SECRET_PARAM.test(key)) u.searchParams.set(key, '[redacted]');
  }
  if (u.username || u.password) {
    u.username = '';
    u.password = '';
  }
  return scrubText(u.toString()).replace(/%5Bredacted%5D/g, '[redacted]');
}

/** Scrubs every string inside sanitized properties (in place). */
export function scrubProperties(props: Record<string, unknown>): Record<string, unknown> {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return scrubText(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      for (const k of Object.keys(v)) (v as Record<string, unknown>)[k] = walk((v as Record<string, unknown>)[k]);
    }
    return v;
  };
  return walk(props) as Record<string, unknown>;
}

// Who the events are about (anonymous id, user id, super properties) and whether they may be
// sent at all (consent, opt-out, Do-Not-Track), persisted under one key prefix.
import type { IdSource } from '../delivery/ids.js';
import type { KeyValueStore } from './storage.js';

export interface IdentityOptions {
  prefix: string;
  requireConsent: boolean;
  respectDoNotTrack: boolean;
  ids: IdSource;
  now: () => number;
}

function doNotTrack(): boolean {
  if (typeof navigator === 'undefined') return false;
  return (navigator as Navigator & { globalPrivacyControl?: boolean }).globalPrivacyControl === true || navigator.doNotTrack === '1';
}

export class Identity {
  anonymousId = '';
  userId: string | null = null;
  superProperties: Record<string, unknown> = {};
  /** Nothing is tracked (opt-out, or Do-Not-Track/GPC when respected). */
  optedOut = false;
  /** Events may be sent. */
  consented = false;
  /** Consent explicitly refused (as opposed to not given yet, when events wait in the queue). */
  consentDenied = false;

  readonly #store: KeyValueStore;
  readonly #options: IdentityOptions;

  constructor(
    store: KeyValueStore,
    options: IdentityOptions,
  ) {
    this.#store = store;
    this.#options = options;
    this.#load();
  }

  #key(name: string): string {
    return `${this.#options.prefix}:${name}`;
  }

  /** Reads the persisted state, or starts a fresh install's. */
  #load(): void {
    const s = this.#store;
    const consent = s.get(this.#key('consent'));
    this.optedOut = s.get(this.#key('optout')) === '1' || (this.#options.respectDoNotTrack && doNotTrack());
    this.consented = !this.#options.requireConsent || consent === '1';
    this.consentDenied = consent === '0';
    this.anonymousId = s.get(this.#key('anonymous_id')) ?? '';
    if (!this.anonymousId) this.#newAnonymousId();
    this.userId = s.get(this.#key('user_id'));
    try {
      this.superProperties = JSON.parse(s.get(this.#key('super')) ?? '{}');
    } catch {
      this.superProperties = {};
    }
  }

  #newAnonymousId(): void {
    this.anonymousId = this.#options.ids.uuidv7(this.#options.now());
    this.#store.set(this.#key('anonymous_id'), this.anonymousId);
  }

  /** Whether delivery must hold back. */
  get paused(): boolean {
    return !this.consented || this.optedOut;
  }

  identify(userId: string): void {
    this.userId = userId;
    this.#store.set(this.#key('user_id'), userId);
  }

  register(properties: Record<string, unknown>): void {
    this.superProperties = { ...this.superProperties, ...properties };
    this.#store.set(this.#key('super'), JSON.stringify(this.superProperties));
  }

  /** A new anonymous person (logout): user id and super properties go. */
  reset(): void {
    this.userId = null;
    this.superProperties = {};
    this.#store.remove(this.#key('user_id'));
    this.#store.remove(this.#key('super'));
    this.#newAnonymousId();
  }

  consent(granted: boolean): void {
    this.consented = granted;
    this.consentDenied = !granted;
    this.#store.set(this.#key('consent'), granted ? '1' : '0');
  }

  optOut(): void {
    this.optedOut = true;
    this.#store.set(this.#key('optout'), '1');
  }

  /** Everything persisted goes; in memory too, so the client behaves like a fresh install. */
  forget(): void {
    for (const k of ['anonymous_id', 'user_id', 'super', 'consent', 'optout']) this.#store.remove(this.#key(k));
    this.#load();
  }
}

import { sharedIds, type IdSource } from '../delivery/ids.js';
import type { KeyValueStore } from './storage.js';

export interface SessionOptions {
  /** Inactivity after which a new session starts. Default 30 min. */
  timeoutMs: number;
  /** Longest a session may last. Default 24 h. */
  maxLengthMs: number;
  /** Where session ids come from. Default: the page's shared source. */
  ids?: IdSource;
}

export interface SessionState {
  id: string;
  startedAt: number;
  lastActivity: number;
}

export interface SessionChange {
  ended: SessionState | null;
  started: SessionState;
}

/**
 * Sessions shared by the tabs of an origin through storage: a tab that is active extends the
 * session every tab sees. Activity is written at most once a second, so `touch()` is O(1).
 */
export class Sessions {
  #state: SessionState | null = null;
  #lastWrite = 0;

  readonly #store: KeyValueStore;
  readonly #key: string;
  readonly #options: SessionOptions;

  constructor(
    store: KeyValueStore,
    key: string,
    options: SessionOptions,
  ) {
    this.#store = store;
    this.#key = key;
    this.#options = options;
    this.#state = this.#read();
    if (typeof window !== 'undefined' && typeof window.addEventListener === 'function') {
      window.addEventListener('storage', (e) => {
        if (e.key === this.#key) this.#state = this.#read();
      });
    }
  }

  #read(): SessionState | null {
    try {
      const s = JSON.parse(this.#store.get(this.#key) ?? 'null') as SessionState | null;
      return s && typeof s.id === 'string' && typeof s.lastActivity === 'number' ? s : null;
    } catch {
      return null;
    }
  }

  #expired(s: SessionState, now: number): boolean {
    return now - s.lastActivity > this.#options.timeoutMs || now - s.startedAt > this.#options.maxLengthMs;
  }

  get current(): SessionState | null {
    return this.#state;
  }

  /** Records activity; returns the change when a session ended and/or a new one started. */
  touch(now: number): SessionChange | null {
    let s = this.#state;
    if (s && this.#expired(s, now)) {
      // Another tab may have started a new one meanwhile.
      const stored = this.#read();
      if (stored && !this.#expired(stored, now)) s = this.#state = stored;
    }
    if (s && !this.#expired(s, now)) {
      s.lastActivity = now;
      if (now - this.#lastWrite > 1000) this.#write(s, now);
      return null;
    }
    const started: SessionState = { id: (this.#options.ids ?? sharedIds).uuidv7(now), startedAt: now, lastActivity: now };
    this.#state = started;
    this.#write(started, now);
    return { ended: s, started };
  }

  #write(s: SessionState, now: number): void {
    this.#lastWrite = now;
    this.#store.set(this.#key, JSON.stringify(s));
  }

  /** Ends the session now (reset, forget). */
  end(): SessionState | null {
    const s = this.#state;
    this.#state = null;
    this.#store.remove(this.#key);
    return s;
  }
}

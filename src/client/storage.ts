/** localStorage that never throws (sandboxed iframes, privacy modes, quota): falls back to memory. */
export interface KeyValueStore {
  get(key: string): string | null;
  set(key: string, value: string): void;
  remove(key: string): void;
  readonly persistent: boolean;
}

export function browserStore(): KeyValueStore {
  const memory = new Map<string, string>();
  let ls: Storage | null = null;
  try {
    if (typeof localStorage !== 'undefined') {
      localStorage.setItem('avila:probe', '1');
      localStorage.removeItem('avila:probe');
      ls = localStorage;
    }
  } catch {
    ls = null;
  }
  return {
    persistent: ls !== null,
    get(key) {
      try {
        return ls ? ls.getItem(key) : (memory.get(key) ?? null);
      } catch {
        return memory.get(key) ?? null;
      }
    },
    set(key, value) {
      try {
        if (ls) ls.setItem(key, value);
        else memory.set(key, value);
      } catch {
        memory.set(key, value);
      }
    },
    remove(key) {
      try {
        ls?.removeItem(key);
      } catch {}
      memory.delete(key);
    },
  };
}

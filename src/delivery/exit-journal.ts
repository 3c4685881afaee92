/** Events an exiting page sent are held back from other senders this long, so its requests can land first. */
export const EXIT_HOLD_MS = 10_000;

/**
 * What an exiting page sent, recorded in localStorage — the one store whose writes survive the
 * page being torn down (IndexedDB transactions still open at unload are aborted). The next sender
 * asks the collector whether each batch arrived before sending those events again.
 */
export interface ExitRecord {
  batchId: string;
  ids: string[];
  at: number;
}

function storage(): Storage | null {
  try {
    return typeof localStorage !== 'undefined' ? localStorage : null;
  } catch {
    return null;
  }
}

export function recordExit(prefix: string, record: ExitRecord): void {
  try {
    storage()?.setItem(`${prefix}:exit:${record.batchId}`, JSON.stringify(record));
  } catch {}
}

export function exitRecords(prefix: string): ExitRecord[] {
  const s = storage();
  if (!s) return [];
  const out: ExitRecord[] = [];
  try {
    for (let i = 0; i < s.length; i++) {
      const key = s.key(i);
      if (!key?.startsWith(`${prefix}:exit:`)) continue;
      try {
        out.push(JSON.parse(s.getItem(key)!) as ExitRecord);
      } catch {
        s.removeItem(key);
      }
    }
  } catch {}
  return out;
}

export function forgetExit(prefix: string, batchId: string): void {
  try {
    storage()?.removeItem(`${prefix}:exit:${batchId}`);
  } catch {}
}

/**
 * Events whose write to IndexedDB was still open when the page went away (such transactions are
 * aborted): copied synchronously to localStorage on exit and moved into the queue by the next sender.
 */
export function spill(prefix: string, items: unknown[]): void {
  if (items.length === 0) return;
  try {
    storage()?.setItem(`${prefix}:spill:${Date.now()}:${Math.random().toString(36).slice(2)}`, JSON.stringify(items));
  } catch {}
}

export function takeSpills<T>(prefix: string): T[] {
  const s = storage();
  if (!s) return [];
  const out: T[] = [];
  try {
    const keys: string[] = [];
    for (let i = 0; i < s.length; i++) {
      const key = s.key(i);
      if (key?.startsWith(`${prefix}:spill:`)) keys.push(key);
    }
    for (const key of keys) {
      try {
        out.push(...(JSON.parse(s.getItem(key) ?? '[]') as T[]));
      } catch {}
      s.removeItem(key);
    }
  } catch {}
  return out;
}

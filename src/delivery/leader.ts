/**
 * One tab of an origin drains the shared queue at a time. With the Web Locks API the lock is held
 * for the tab's lifetime and passes to a waiting tab when it closes; without it, a lease in
 * localStorage renewed every second and taken over when it is three seconds stale.
 */
export interface Leadership {
  readonly isLeader: boolean;
  /** Called when this tab becomes the leader. */
  onChange(listener: (leader: boolean) => void): void;
  release(): void;
}

export function alwaysLeader(): Leadership {
  return { isLeader: true, onChange() {}, release() {} };
}

export function electLeader(name: string): Leadership {
  const locks = typeof navigator !== 'undefined' ? (navigator as Navigator & { locks?: LockManager }).locks : undefined;
  if (locks?.request) return webLock(locks, name);
  if (typeof localStorage !== 'undefined') return lease(name);
  return alwaysLeader();
}

function webLock(locks: LockManager, name: string): Leadership {
  let leader = false;
  let release: (() => void) | null = null;
  const listeners: ((l: boolean) => void)[] = [];
  const held = new Promise<void>((r) => (release = r));
  locks
    .request(name, () => {
      leader = true;
      for (const l of listeners) l(true);
      return held;
    })
    .catch(() => {});
  return {
    get isLeader() {
      return leader;
    },
    onChange(l) {
      listeners.push(l);
    },
    release() {
      leader = false;
      release?.();
    },
  };
}

function lease(name: string): Leadership {
  const me = Math.random().toString(36).slice(2);
  const key = `${name}:lease`;
  let leader = false;
  const listeners: ((l: boolean) => void)[] = [];
  const tick = () => {
    const now = Date.now();
    let current: { owner: string; until: number } | null = null;
    try {
      current = JSON.parse(localStorage.getItem(key) ?? 'null');
    } catch {}
    if (!current || current.owner === me || current.until < now) {
      localStorage.setItem(key, JSON.stringify({ owner: me, until: now + 3000 }));
      if (!leader) {
        leader = true;
        for (const l of listeners) l(true);
      }
    } else if (leader) {
      leader = false;
      for (const l of listeners) l(false);
    }
  };
  tick();
  const timer = setInterval(tick, 1000);
  return {
    get isLeader() {
      return leader;
    },
    onChange(l) {
      listeners.push(l);
    },
    release() {
      clearInterval(timer);
      if (leader) localStorage.removeItem(key);
      leader = false;
    },
  };
}

/**
 * One tab of an origin drains the shared queue at a time. With the Web Locks API the lock is held
 * for the tab's lifetime and passes to a waiting tab when it closes; without it, a lease in
 * localStorage renewed every second and taken over when it is three seconds stale.
 */
export interface Leadership {
  readonly isLeader: boolean;
  /**
   * Resolves once the election has an outcome: this tab leads, or another tab does (this one then
   * waits its turn). flush() waits for it, so it never gives up while the election is pending.
   */
  readonly settled: Promise<void>;
  /** Called when this tab becomes the leader. */
  onChange(listener: (leader: boolean) => void): void;
  release(): void;
}

export function alwaysLeader(): Leadership {
  return { isLeader: true, settled: Promise.resolve(), onChange() {}, release() {} };
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
  let settle: () => void = () => {};
  const settled = new Promise<void>((r) => (settle = r));
  const listeners: ((l: boolean) => void)[] = [];
  const held = new Promise<void>((r) => (release = r));
  const lead = () => {
    leader = true;
    settle();
    for (const l of listeners) l(true);
    return held;
  };
  // First ask without waiting: a lock held elsewhere settles the election at once (another tab
  // leads), then wait in line for it.
  locks
    .request(name, { ifAvailable: true }, (lock) => {
      if (lock) return lead();
      settle();
      locks.request(name, lead).catch(() => {});
      return undefined;
    })
    .catch(() => settle());
  return {
    get isLeader() {
      return leader;
    },
    settled,
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
      try {
        localStorage.setItem(key, JSON.stringify({ owner: me, until: now + 3000 }));
      } catch {
        // Storage full or disabled since: this tab keeps draining (better twice than never).
      }
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
    settled: Promise.resolve(),
    onChange(l) {
      listeners.push(l);
    },
    release() {
      clearInterval(timer);
      try {
        if (leader) localStorage.removeItem(key);
      } catch {}
      leader = false;
    },
  };
}

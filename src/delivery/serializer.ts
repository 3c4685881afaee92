// What the core of the delivery stage needs of serialization and error reporting (the sending
// side, sender.ts and the drain, loads later: see sending.ts).
import type { QueueItem } from './queue/types.js';
import type { WireEvent } from './types.js';

/** Serializes events for a queue or a batch; the shared context objects are serialized once each. */
export class EventSerializer {
  readonly #contexts = new WeakMap<object, string>();

  /** `onInvalid` gets the error for an event that cannot be serialized (dropped, the others go on). */
  constructor(private readonly onInvalid: (error: Error) => void) {}

  #contextJson(context: object): string {
    let s = this.#contexts.get(context);
    if (s === undefined) this.#contexts.set(context, (s = JSON.stringify(context)));
    return s;
  }

  serialize(buffered: { event: WireEvent; signal: QueueItem['signal'] }[]): QueueItem[] {
    const items: QueueItem[] = [];
    for (const { event, signal } of buffered) {
      try {
        const { context, ...rest } = event;
        const item: QueueItem = { id: event.id, json: JSON.stringify(rest), signal };
        if (context) item.ctx = this.#contextJson(context);
        items.push(item);
      } catch (e) {
        // An event beforeSend made unserializable: dropped and counted, the others go on.
        this.onInvalid(new Error(`avila-telemetry: event ${event.id} could not be serialized: ${(e as Error)?.message}`));
      }
    }
    return items;
  }
}

/** Calls a user's error listener; what it throws is not our problem to propagate. */
export function notify(listener: ((error: Error) => void) | undefined, error: Error): void {
  try {
    listener?.(error);
  } catch {}
}

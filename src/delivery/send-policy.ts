// What to do with the outcome of one batch, shared by the browser's delivery and the edge's:
// retries with backoff and Retry-After, a circuit breaker over consecutive failures, and a
// back-off over consecutive refusals (4xx), so an endpoint that keeps refusing is not hammered.
import { backoffMs, type SendOutcome } from './send.js';
import type { DropReason } from './types.js';

export type Decision =
  | { kind: 'sent' }
  /** 413 for a batch of several events: send it again as two halves. */
  | { kind: 'split' }
  /** Refused: its events are dropped and counted, and the drop report it carried goes with it. */
  | { kind: 'drop'; reason: DropReason; message: string }
  /** Send the same batch (same id, same events) again after `delayMs`. */
  | { kind: 'retry'; delayMs: number };

export class SendPolicy {
  private failures = 0;
  private refusals = 0;
  private openUntil = 0;
  private refusedUntil = 0;

  constructor(
    private readonly retry: { baseMs: number; maxMs: number },
    private readonly circuit: { failures: number; cooldownMs: number },
  ) {}

  /** Until when nothing is sent: an open circuit, or the back-off after refused batches. */
  get blockedUntil(): number {
    return Math.max(this.openUntil, this.refusedUntil);
  }

  get circuitState(): 'open' | 'closed' {
    return Date.now() < this.openUntil ? 'open' : 'closed';
  }

  /** Records the outcome of a batch of `events` events sent for the `attempt`-th time. */
  decide(outcome: SendOutcome, batchId: string, events: number, attempt: number): Decision {
    if (outcome.kind === 'ok') {
      this.failures = 0;
      this.refusals = 0;
      return { kind: 'sent' };
    }
    if (outcome.kind === 'too_large' && events > 1) return { kind: 'split' };
    if (outcome.kind === 'too_large' || outcome.kind === 'drop') {
      // Each refusal in a row doubles the wait before the next send (half-jittered, up to retry.maxMs).
      const wait = Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** Math.min(this.refusals++, 30));
      this.refusedUntil = Date.now() + wait / 2 + (Math.random() * wait) / 2;
      const reason: DropReason = outcome.kind === 'drop' ? 'rejected_4xx' : 'too_large';
      const why = outcome.kind === 'drop' ? `rejected: ${outcome.reason}` : `of ${events} event(s) was refused (413)`;
      return { kind: 'drop', reason, message: `batch ${batchId} ${why}` };
    }
    if (++this.failures >= this.circuit.failures) {
      this.openUntil = Date.now() + this.circuit.cooldownMs;
      this.failures = 0;
    }
    return { kind: 'retry', delayMs: Math.max(outcome.retryAfterMs ?? 0, backoffMs(attempt, this.retry.baseMs, this.retry.maxMs)) };
  }
}

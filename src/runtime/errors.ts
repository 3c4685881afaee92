/** A task ran past its time limit; its worker was terminated and replaced. */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/** The runtime's queue is at `maxQueue`; the task was not accepted. */
export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

/** A worker died twice while running the task (it was retried once on a fresh worker). */
export class WorkerCrashedError extends Error {
  override name = 'WorkerCrashedError';
}

/** The reason an aborted signal carries, or a standard AbortError. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

import { TaskErrorCodes } from '@livelink/link';

/**
 * Thrown by a handler to fail its task with a specific code (docs/link-protocol.md §5), e.g.
 * `throw new TaskError(TaskErrorCodes.badRequest, 'missing recipient')`. The client receives
 * `{code, message}` and does not retry. Any other exception fails the task as 500 without
 * leaking its message to the client.
 */
export class TaskError extends Error {
  /** The wire code the client sees as errCode; the protocol makes it a number, not a name. */
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.name = 'TaskError';
    this.code = code;
  }
}

export { TaskErrorCodes };

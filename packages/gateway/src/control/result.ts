/** What a control route returns, or throws. */

/** A control route's answer, or a thrown ControlError / ApiError. */
export type ControlResult = { status?: number; body: unknown };

export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

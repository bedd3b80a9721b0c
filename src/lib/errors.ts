/**
 * Errors the application raises on purpose. The HTTP layer maps them to status codes;
 * the CLI prints their message and exits with code 2 (bad input) or 1 (anything else).
 */
export class AppError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

/** The object does not exist, or the caller's scope does not include it: the two are never told apart. */
export class NotFoundError extends AppError {
  constructor(what: string) {
    super(`${what} not found`, 404, 'not_found');
  }
}

/** The caller can see the object but their role may not do this. */
export class ForbiddenError extends AppError {
  constructor(message = 'your role does not allow this') {
    super(message, 403, 'forbidden');
  }
}

export class ValidationError extends AppError {
  /**
   * The input field the problem is about, as the service's input names it (`['dealerId']`), when
   * there is one: the HTTP layer then names it where the request carried it (`querystring.dealerId: …`),
   * the CLI names the option (`--dealer: …`). `message` is then `dealerId: <reason>`.
   */
  readonly field: readonly (string | number)[] | null;
  /** What is wrong, without the field. */
  readonly reason: string;

  constructor(
    message: string,
    readonly details: string[] = [],
    field: readonly (string | number)[] | null = null,
  ) {
    super(field?.length ? `${field.join('.')}: ${message}` : message, 400, 'invalid');
    this.field = field?.length ? field : null;
    this.reason = message;
  }

  /** A problem with one input field; `reason` says what is wrong without naming the field. */
  static about(field: string | readonly (string | number)[], reason: string): ValidationError {
    return new ValidationError(reason, [], typeof field === 'string' ? [field] : field);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(message, 409, 'conflict');
  }
}

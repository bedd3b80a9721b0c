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
  constructor(
    message: string,
    readonly details: string[] = [],
  ) {
    super(message, 400, 'invalid');
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(message, 409, 'conflict');
  }
}

// Every refusal the HTTP layer sends: a status, a stable code and one sentence, plus optional
// headers (WWW-Authenticate, Retry-After) and details (validation issues). Thrown by the pure
// request-handling modules and turned into a JSON body {code, message, ...} by the error handler.

export class IngestHttpError extends Error {
  override readonly name = 'IngestHttpError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly extra: { headers?: Record<string, string>; details?: Record<string, unknown> } = {},
  ) {
    super(message);
  }
}

export const badRequest = (code: string, message: string, details?: Record<string, unknown>) =>
  new IngestHttpError(400, code, message, details ? { details } : {});

export const tooLarge = (code: string, message: string) => new IngestHttpError(413, code, message);

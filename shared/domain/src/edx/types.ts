import type { Issue } from '../issues.js';

/** How the `event` payload was encoded in the input. */
export type EdxPayloadEncoding =
  | 'object' // a JSON object (server events, async `data`)
  | 'json-string' // a string holding JSON (browser events)
  | 'query-string' // a URL-encoded form (browser problem_check)
  | 'array' // a JSON array (browser problem_graded)
  | 'string' // any other string, including truncated JSON
  | 'none'; // absent or null

/** Which envelope the input used. */
export type EdxInputShape =
  | 'tracking' // event_type / time / event, as written to tracking.log
  | 'async'; // name / timestamp / data with request fields in context (eventtracking, event bus)

/** What surrounded the JSON on the line. */
export type EdxLineFormat = 'json' | 'prefixed' | 'gelf';

/**
 * One edX event in canonical form.
 *
 * `record` is always tracking-log shaped (`event_type`, `event_source`, `time`, `event`, request
 * fields at the top level). Async input is mapped onto a new object the way Open edX's legacy field
 * mapping does it; tracking-log input is used as is (no copy). `event` inside `record` is left
 * exactly as received: a JSON-encoded string stays a string, so validation sees what Ralph sees.
 * The decoded payload is in `payload`.
 */
export interface EdxEvent {
  record: Record<string, unknown>;
  /** The object as parsed, before any mapping (same object as `record` for tracking input). */
  original: Record<string, unknown>;
  shape: EdxInputShape;
  eventType: string | undefined;
  eventSource: string | undefined;
  /** `time` as written (not reformatted). */
  time: string | undefined;
  /** Empty username is reported as undefined. */
  username: string | undefined;
  /** `context.user_id` as a string; undefined for null, "" or absent. */
  userId: string | undefined;
  courseId: string | undefined;
  /** Decoded `event`: object, array, form fields (`Record<string, string | string[]>`), or the raw string. */
  payload: unknown;
  payloadEncoding: EdxPayloadEncoding;
  /**
   * True when the parser saw from the line's text that no string or key holds a lone UTF-16
   * surrogate (`parseEdxLine` sets it); otherwise validation looks through the event.
   */
  surrogateFree?: boolean;
}

export type EdxParseResult =
  | {
      ok: true;
      event: EdxEvent;
      format: EdxLineFormat;
      /**
       * The edX JSON as written (set by `parseEdxLine`): the line itself, the part from the first
       * "{" after a logger prefix, or the text a GELF message carries from its first "{".
       */
      jsonText?: string;
    }
  | { ok: false; issue: Issue };

export type EdxValidationMode = 'strict' | 'lenient';

export interface EdxValidationResult {
  status: 'valid' | 'invalid' | 'unknown';
  /** Name of the selected model (Ralph's class name), when one was selected. */
  model?: string;
  issues: Issue[];
}

export interface EdxModelInfo {
  /** Ralph's class name, e.g. `UIPlayVideo`. */
  name: string;
  family: string;
  eventSource: 'server' | 'browser';
  /** The `event_type` value selecting the model; null for the server page-request model. */
  eventType: string | null;
  /** How the model is selected besides `event_source`. */
  selectedBy: 'event_type' | 'event_type equals context.path';
}

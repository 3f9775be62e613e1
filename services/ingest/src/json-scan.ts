// One pass over JSON bytes, before JSON.parse: the nesting depth (refused early, so a hostile body
// never reaches a recursive parser or validator) and, when the root is an array, the exact byte span
// of each element (so each statement or event is stored with its original bytes, not re-serialised).
// Structural characters are ASCII and never occur inside a UTF-8 multi-byte sequence, so scanning
// bytes is safe. The scan does not validate: JSON.parse does that afterwards.

export interface JsonScan {
  /** True when the nesting went beyond the limit (the scan stopped there). */
  tooDeep: boolean;
  maxDepth: number;
  /** Byte spans [start, end) of the root array's elements; undefined when the root is not an array. */
  elements: Array<[number, number]> | undefined;
  /** The trimmed span of the whole document. */
  root: [number, number];
}

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

export function scanJson(buf: Uint8Array, depthLimit: number, start = 0, end = buf.length): JsonScan {
  let first = start;
  // A UTF-8 byte order mark is not JSON, but tolerate it the way JSON clients do.
  if (buf[first] === 0xef && buf[first + 1] === 0xbb && buf[first + 2] === 0xbf) first += 3;
  while (first < end && isSpace(buf[first] as number)) first += 1;
  const rootIsArray = buf[first] === 0x5b;
  const elements: Array<[number, number]> | undefined = rootIsArray ? [] : undefined;
  let depth = 0;
  let maxDepth = 0;
  let inString = false;
  let escaped = false;
  let elementStart = -1;
  let lastEnd = first;
  for (let i = first; i < end; i += 1) {
    const c = buf[i] as number;
    if (inString) {
      if (escaped) escaped = false;
      else if (c === 0x5c) escaped = true;
      else if (c === 0x22) {
        inString = false;
        lastEnd = i + 1;
      }
      continue;
    }
    if (isSpace(c)) continue;
    if (elements && depth === 1 && (c === 0x2c || c === 0x5d)) {
      if (elementStart >= 0) elements.push([elementStart, lastEnd]);
      elementStart = -1;
      if (c === 0x5d) {
        depth = 0;
        lastEnd = i + 1;
      }
      continue;
    }
    if (elements && depth === 1 && elementStart < 0) elementStart = i;
    if (c === 0x22) {
      inString = true;
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > maxDepth) maxDepth = depth;
      if (depth > depthLimit) return { tooDeep: true, maxDepth, elements, root: [first, end] };
    } else if (c === 0x7d || c === 0x5d) depth -= 1;
    lastEnd = i + 1;
  }
  return { tooDeep: false, maxDepth, elements, root: [first, lastEnd] };
}

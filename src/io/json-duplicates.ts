// JSON.parse silently keeps the last of two equal keys, so a header naming a tensor twice would lose one
// without a word; it also reorders integer-like keys. This scan finds repeated keys in any object of a JSON text that JSON.parse has already
// accepted (so it need not re-check the syntax); it is linear in the text and keeps its own stack, so a
// deeply nested header cannot overflow the call stack.

export interface DuplicateKey {
  key: string;
  /** The key of the object holding the duplicate ('' for the top-level object). */
  parent: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

function isJsonWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

interface Frame {
  keys: Set<string> | null; // null for arrays
  name: string;
}

export interface KeyScan {
  /** The first repeated key, or null. */
  duplicate: DuplicateKey | null;
  /**
   * The top-level object's keys in the order of the text. Object.keys would list integer-like keys
   * ("2", "10") first, in numeric order; a file's tensor order is worth keeping as written.
   */
  topLevelKeys: string[];
}

/** Scans the keys of `text` (valid JSON whose top level is an object). */
export function scanKeys(text: string): KeyScan {
  const stack: Frame[] = [];
  const topLevelKeys: string[] = [];
  let lastKey = '';
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i++;
      let escaped = false;
      for (;;) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) {
          escaped = true;
          i += 2;
        } else if (d === QUOTE) break;
        else i++;
      }
      i++; // past the closing quote
      let j = i;
      while (j < n && isJsonWhitespace(text.charCodeAt(j))) j++;
      if (text.charCodeAt(j) !== COLON) continue; // a string value, not a key
      // Escapes make equal keys look different ("a" and "\u0061"): decode those to compare.
      const key = escaped ? (JSON.parse(text.slice(start, i)) as string) : text.slice(start + 1, i - 1);
      const frame = stack[stack.length - 1];
      if (frame?.keys) {
        if (frame.keys.has(key)) return { duplicate: { key, parent: frame.name }, topLevelKeys };
        frame.keys.add(key);
        if (stack.length === 1) topLevelKeys.push(key);
      }
      lastKey = key;
      i = j + 1;
    } else if (c === 0x7b) {
      stack.push({ keys: new Set(), name: stack.length === 0 ? '' : lastKey });
      i++;
    } else if (c === 0x5b) {
      stack.push({ keys: null, name: lastKey });
      i++;
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
      i++;
    } else i++;
  }
  return { duplicate: null, topLevelKeys };
}

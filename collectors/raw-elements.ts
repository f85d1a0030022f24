// The exact text of every element of the top-level "events" array, so that a refused event goes to the
// dead-letter topic with its original bytes (not a re-serialisation that could hide what was wrong with
// it, e.g. a duplicate key or a number JSON.parse rounded). Runs only on text JSON.parse has accepted, and
// only when a batch has refused events. Like JSON.parse, the last "events" key wins.
const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

function skipWs(text: string, i: number): number {
  while (i < text.length && WS.has(text.charCodeAt(i))) i++;
  return i;
}

/** Index just past the string literal starting at i (text[i] is '"'). */
function skipString(text: string, i: number): number {
  let j = i + 1;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c === 0x5c) j += 2; // backslash: the next character is escaped
    else if (c === 0x22) return j + 1;
    else j++;
  }
  return j;
}

/** Index just past the JSON value starting at i. */
function skipValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return skipString(text, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    let j = i;
    while (j < text.length) {
      const ch = text[j];
      if (ch === '"') { j = skipString(text, j); continue; }
      if (ch === '{' || ch === '[') depth++;
      else if (ch === '}' || ch === ']') depth--;
      j++;
      if (depth === 0) return j;
    }
    return j;
  }
  let j = i; // number, true, false, null
  while (j < text.length && !',}] \t\n\r'.includes(text[j])) j++;
  return j;
}

function arrayElements(text: string, i: number): string[] {
  const out: string[] = [];
  i = skipWs(text, i + 1);
  while (i < text.length && text[i] !== ']') {
    const end = skipValue(text, i);
    out.push(text.slice(i, end));
    i = skipWs(text, end);
    if (text[i] === ',') i = skipWs(text, i + 1);
  }
  return out;
}

/** Raw text of each element of `events` in a body `{"events":[...]}` that JSON.parse accepted. */
export function rawEventTexts(text: string): string[] {
  let slices: string[] = [];
  let i = skipWs(text, 0) + 1; // past '{'
  for (;;) {
    i = skipWs(text, i);
    if (i >= text.length || text[i] !== '"') break;
    const keyEnd = skipString(text, i);
    const key: unknown = JSON.parse(text.slice(i, keyEnd));
    i = skipWs(text, skipWs(text, keyEnd) + 1); // past ':'
    if (key === 'events' && text[i] === '[') slices = arrayElements(text, i);
    i = skipWs(text, skipValue(text, i));
    if (text[i] === ',') i++;
  }
  return slices;
}

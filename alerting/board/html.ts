// HTML by hand, with one escaping rule: every value interpolated into `html` is escaped unless it is
// already Html (built by `html` itself or `raw` on a constant). No templating library: the board has a
// handful of small pages, and a tagged template whose only way out is escaping is easier to audit than
// a template language's rules (auto-escaping modes, helpers, partial lookup).
export class Html {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** The one escaping function: safe in element content and in quoted attribute values. */
export const escapeHtml = (value: string): string => value.replace(/[&<>"'`]/g, (c) => ESCAPES[c]);

export type Interpolation = Html | string | number | boolean | null | undefined | Interpolation[];

function piece(v: Interpolation): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Html) return v.text;
  if (Array.isArray(v)) return v.map(piece).join('');
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += piece(values[i]) + strings[i + 1];
  return new Html(out);
}

/** Markup that is known to be safe (constants of this code only, never data). */
export const raw = (text: string): Html => new Html(text);

/** JSON for a `<script type="application/json">` block: `<` escaped so no `</script>` can end it early. */
export const jsonScript = (value: unknown): Html =>
  new Html(JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029'));

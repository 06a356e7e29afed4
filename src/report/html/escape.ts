/**
 * Every string in the HTML report may come from the user (scenario and metric names,
 * parameters, command lines, constructor names out of a heap snapshot). These are the only
 * ways a string gets into the page.
 */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** For HTML text and quoted attribute values alike. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);
}

/**
 * JSON to inline in a `<script type="application/json">`: `<`, `>` and `&` become \u escapes
 * so no `</script>` or `<!--` can end or change the script element, and U+2028/U+2029 too
 * (legal in JSON, line terminators to older JavaScript parsers). JSON.parse reads the
 * escapes back as the original characters.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Code inlined in a `<script>` (a library, our client): it must not contain its own end tag. */
export function scriptSafe(code: string): string {
  return code.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** Markup that is already safe: built by `html` or one of the functions here. */
export class SafeHtml {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

/** Marks a string as markup. Only for text that contains no user input (or is escaped). */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/**
 * Template tag for the report's markup: every interpolated value is escaped unless it is
 * SafeHtml, arrays are joined, and null/undefined/false render as nothing. Escaping is the
 * default, so forgetting it is not possible.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += interpolate(values[i]) + strings[i + 1]!;
  return new SafeHtml(out);
}

function interpolate(value: unknown): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.html;
  if (Array.isArray(value)) return value.map(interpolate).join('');
  return escapeHtml(value);
}

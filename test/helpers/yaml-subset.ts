/**
 * A reader for the block-style YAML subset that deploy/k8s is written in, so that the deployment
 * test can check the manifests without a YAML dependency: nested mappings and sequences by
 * indentation, `- key: value` items, comments, and plain, single- or double-quoted scalars
 * (`true`/`false`, `null`/`~` and numbers typed as YAML 1.2's core schema does). Anything else —
 * flow collections, block scalars (`|`, `>`), anchors, aliases, tags, tabs, several documents,
 * a duplicate key — is an error naming the line, so a manifest cannot silently drift out of
 * what this reader understands.
 */

interface Line {
  indent: number;
  text: string;
  no: number;
}

const KEY = /^([A-Za-z0-9_./-][^:#"']*?):(?:[ ]+(.*))?$/;

function fail(no: number, why: string): never {
  throw new Error(`YAML line ${no}: ${why}`);
}

/** The line without a trailing ` # comment` (a `#` inside quotes is kept). */
function stripComment(text: string): string {
  let quote = "";
  for (let k = 0; k < text.length; k++) {
    const c = text[k];
    if (quote) {
      if (c === "\\" && quote === '"') k++;
      else if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (k === 0 || text[k - 1] === " ")) return text.slice(0, k).trimEnd();
  }
  return text.trimEnd();
}

function toLines(src: string): Line[] {
  const out: Line[] = [];
  src.split(/\r?\n/).forEach((raw, idx) => {
    const no = idx + 1;
    const lead = /^[ \t]*/.exec(raw)![0];
    if (lead.includes("\t")) fail(no, "a tab in the indentation (YAML indents with spaces)");
    const text = stripComment(raw.slice(lead.length));
    if (text === "") return;
    if (text === "---" || text === "...") fail(no, "several documents are outside the supported subset");
    out.push({ indent: lead.length, text, no });
  });
  return out;
}

function scalar(text: string, no: number): unknown {
  if (text.startsWith('"')) {
    if (!text.endsWith('"') || text.length < 2) fail(no, `unterminated string ${text}`);
    return JSON.parse(text);
  }
  if (text.startsWith("'")) {
    if (!text.endsWith("'") || text.length < 2) fail(no, `unterminated string ${text}`);
    return text.slice(1, -1).replaceAll("''", "'");
  }
  if (/^[[{&*!|>%@`]/.test(text)) fail(no, `'${text[0]}' (flow collection, block scalar, anchor, alias or tag) is outside the supported subset`);
  if (text === "true" || text === "false") return text === "true";
  if (text === "null" || text === "~") return null;
  if (/^[-+]?\d+$/.test(text)) return Number(text);
  if (/^[-+]?(\d+\.\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  return text;
}

const isItem = (text: string) => text === "-" || text.startsWith("- ");

/** Parses one YAML document of the subset into plain objects, arrays and scalars. */
export function parseYamlSubset(src: string): unknown {
  const lines = toLines(src);
  let i = 0;

  const block = (): unknown => (isItem(lines[i].text) ? sequence(lines[i].indent) : mapping(lines[i].indent));

  /** The value of a key or item whose text ended at `indent`: a deeper block, or null. */
  function nested(indent: number, sameIndentSequence: boolean): unknown {
    if (i >= lines.length) return null;
    const next = lines[i];
    if (next.indent > indent || (sameIndentSequence && next.indent === indent && isItem(next.text))) return block();
    return null;
  }

  function sequence(indent: number): unknown[] {
    const out: unknown[] = [];
    while (i < lines.length && lines[i].indent === indent && isItem(lines[i].text)) {
      const { text, no } = lines[i];
      const rest = text.slice(1).trimStart();
      if (rest === "") {
        i++;
        out.push(nested(indent, false));
      } else if (KEY.test(rest)) {
        // `- key: value` opens a mapping whose keys line up with `key`.
        lines[i] = { indent: indent + text.length - rest.length, text: rest, no };
        out.push(mapping(lines[i].indent));
      } else {
        i++;
        out.push(scalar(rest, no));
      }
    }
    return out;
  }

  function mapping(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    while (i < lines.length && lines[i].indent === indent && !isItem(lines[i].text)) {
      const { text, no } = lines[i];
      const m = KEY.exec(text);
      if (!m) fail(no, `expected 'key: value', found '${text}'`);
      const key = m[1].trimEnd();
      if (Object.hasOwn(out, key)) fail(no, `duplicate key '${key}'`);
      i++;
      out[key] = m[2] === undefined ? nested(indent, true) : scalar(m[2], no);
    }
    return out;
  }

  if (lines.length === 0) return null;
  const value = block();
  if (i < lines.length) fail(lines[i].no, "unexpected indentation");
  return value;
}

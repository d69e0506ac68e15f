// A YAML settings file (policy, config, broker config) checked against a zod schema. Every problem comes
// back with the line and column it is at, so each file's errors read the same: `path:line:col: message`.
// Import lazily: the YAML parser costs start-up that commands reading no such file never pay.
import type { z } from 'zod';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from './yaml.js';

export interface YamlPosition {
  line: number;
  col: number;
}

export type YamlSettings<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      position: YamlPosition | undefined;
      message: string;
      /** Where the problem is, as keys from the top; for an unknown key, the key itself. */
      keys: string[];
      /** The schema's issue, when the problem is not one of YAML syntax. */
      issue?: z.core.$ZodIssue;
    };

export interface YamlSettingsOptions {
  /** Each alias (*name) expands to a copy: nested ones ("billion laughs") would exhaust memory. */
  maxAliasCount: number;
  /** A check on the document before the schema's (counting entries before validating each of them). */
  precheck?: (document: Document) => { keys: string[]; message: string } | undefined;
}

export function readYamlSettings<T>(text: string, schema: z.ZodType<T>, options: YamlSettingsOptions): YamlSettings<T> {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (keys: string[]) => {
    const offset = offsetOf(document, keys);
    return offset === undefined ? undefined : lineCounter.linePos(offset);
  };
  const syntaxError = document.errors[0];
  if (syntaxError) return { ok: false, position: lineCounter.linePos(syntaxError.pos[0]), message: syntaxError.message.split('\n')[0] ?? 'YAML syntax error', keys: [] };
  const early = options.precheck?.(document);
  if (early) return { ok: false, position: at(early.keys), ...early };
  let plain: unknown;
  try {
    // SECURITY: aliases beyond the limit are refused, not expanded.
    plain = document.toJS({ maxAliasCount: options.maxAliasCount });
  } catch (error) {
    return { ok: false, position: undefined, message: `${(error as Error).message.split('\n')[0]} (at most ${options.maxAliasCount} alias expansions)`, keys: [] };
  }
  const result = schema.safeParse(plain ?? {});
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0]!;
  const keys = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') keys.push(issue.keys[0]!);
  // A bad record key (a role or param name) carries the key schema's own message one level down.
  const message = (issue as { issues?: { message: string }[] }).issues?.[0]?.message ?? issue.message;
  return { ok: false, position: at(keys), message, keys, issue };
}

/** The top-level entry named `key`, if the document is a mapping that has one. */
export function topLevelEntry(document: Document, key: string): unknown {
  return isMap(document.contents) ? document.contents.items.find((item) => String((item.key as { value?: unknown } | null)?.value) === key)?.value : undefined;
}

/**
 * Where to point for a path: the key of the deepest entry that exists (a missing key is reported at its
 * parent's key), or the item itself inside a list.
 */
function offsetOf(document: Document, keys: string[]): number | undefined {
  let node: unknown = document.contents;
  let offset: number | undefined;
  for (const key of keys) {
    if (isMap(node)) {
      const pair = node.items.find((item) => String((item.key as { value?: unknown } | null)?.value) === key);
      if (!pair) break;
      offset = (pair.key as { range?: [number, number, number] }).range?.[0];
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(key)] as { range?: [number, number, number] } | undefined;
      if (!item) break;
      offset = item.range?.[0];
      node = item;
    } else break;
  }
  return offset;
}

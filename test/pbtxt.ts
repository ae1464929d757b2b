/**
 * Test helper: a protobuf text-format (`.pbtxt`) reader driven by a protobufjs schema. protobufjs
 * has no text-format parser, and the npm ones are unkept, so this is the small part the tests need:
 * fields `name: value` and `name { ... }`, lists `[a, b]`, maps as `{ key: ... value ... }`
 * entries, strings with C escapes, `#` comments. Every field name is looked up in the schema (an
 * unknown one throws, naming the line), enums must name a value of their enum, and the result
 * goes through protobufjs's fromObject + verify, so a file that parses is one the schema accepts.
 */
import protobuf from 'protobufjs';

const nameOf = (t: protobuf.ReflectionObject) => t.fullName.replace(/^\./, '');

interface Token {
  text: string;
  line: number;
  string?: boolean;
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let line = 1;
  for (let i = 0; i < src.length; ) {
    const c = src[i];
    if (c === '\n') {
      line++;
      i++;
    } else if (/\s/.test(c)) i++;
    else if (c === '#') while (i < src.length && src[i] !== '\n') i++;
    else if ('{}[]:,;<>'.includes(c)) {
      out.push({ text: c, line });
      i++;
    } else if (c === '"' || c === "'") {
      let s = '';
      for (i++; src[i] !== c; i++) {
        if (i >= src.length || src[i] === '\n') throw new Error(`line ${line}: unterminated string`);
        if (src[i] === '\\') {
          const e = src[++i];
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
        } else s += src[i];
      }
      i++;
      out.push({ text: s, line, string: true });
    } else {
      const m = /^[A-Za-z0-9_.+-]+/.exec(src.slice(i));
      if (!m) throw new Error(`line ${line}: unexpected character ${JSON.stringify(c)}`);
      out.push({ text: m[0], line });
      i += m[0].length;
    }
  }
  return out;
}

class Reader {
  private i = 0;
  constructor(private readonly t: Token[]) {}
  peek(): Token | undefined {
    return this.t[this.i];
  }
  next(): Token {
    const tok = this.t[this.i++];
    if (!tok) throw new Error('unexpected end of input');
    return tok;
  }
  eat(text: string): boolean {
    const tok = this.peek();
    if (tok && !tok.string && tok.text === text) {
      this.i++;
      return true;
    }
    return false;
  }
  expect(text: string): void {
    const tok = this.next();
    if (tok.string || tok.text !== text) throw new Error(`line ${tok.line}: expected "${text}", got "${tok.text}"`);
  }
}

const INT_TYPES = new Set([
  'int32',
  'int64',
  'uint32',
  'uint64',
  'sint32',
  'sint64',
  'fixed32',
  'fixed64',
  'sfixed32',
  'sfixed64',
]);

function scalar(r: Reader, field: protobuf.FieldBase, keyType?: string): unknown {
  const tok = r.next();
  const type = keyType ?? field.type;
  const enumType = keyType ? null : field.resolvedType instanceof protobuf.Enum ? field.resolvedType : null;
  if (enumType) {
    if (tok.string || !(tok.text in enumType.values))
      throw new Error(`line ${tok.line}: ${tok.text} is not a value of ${nameOf(enumType)}`);
    return tok.text;
  }
  if (type === 'string' || type === 'bytes') {
    if (!tok.string) throw new Error(`line ${tok.line}: field "${field.name}" takes a quoted string, got ${tok.text}`);
    return tok.text;
  }
  if (tok.string) throw new Error(`line ${tok.line}: field "${field.name}" (${type}) got a string`);
  if (type === 'bool') {
    if (tok.text !== 'true' && tok.text !== 'false')
      throw new Error(`line ${tok.line}: field "${field.name}" takes true or false`);
    return tok.text === 'true';
  }
  const n = Number(tok.text);
  if (!Number.isFinite(n) || (INT_TYPES.has(type) && !Number.isInteger(n))) {
    throw new Error(`line ${tok.line}: field "${field.name}" (${type}) got ${tok.text}`);
  }
  return n;
}

/** A message value opens with `{` or `<`; returns the matching close. */
function opening(r: Reader): string {
  if (r.eat('{')) return '}';
  r.expect('<');
  return '>';
}

function value(r: Reader, field: protobuf.FieldBase): unknown {
  const sub = field.resolvedType instanceof protobuf.Type ? field.resolvedType : null;
  if (!sub) return scalar(r, field);
  const close = opening(r);
  return message(r, sub, close);
}

function mapEntry(r: Reader, field: protobuf.MapField): [string, unknown] {
  const close = opening(r);
  let key: unknown;
  let val: unknown;
  while (!r.eat(close)) {
    const name = r.next();
    r.eat(':');
    if (name.text === 'key') key = scalar(r, field, field.keyType);
    else if (name.text === 'value') val = value(r, field);
    else
      throw new Error(
        `line ${name.line}: map field "${field.name}" entries have only key and value, got "${name.text}"`,
      );
    r.eat(',') || r.eat(';');
  }
  if (key === undefined) throw new Error(`map field "${field.name}": an entry has no key`);
  return [String(key), val];
}

function message(r: Reader, type: protobuf.Type, close: string | null): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  for (;;) {
    if (close === null ? r.peek() === undefined : r.eat(close)) return obj;
    const name = r.next();
    const field = type.fields[name.text];
    if (!field || name.string) throw new Error(`line ${name.line}: ${nameOf(type)} has no field "${name.text}"`);
    const colon = r.eat(':');
    if (field instanceof protobuf.MapField) {
      const map = (obj[field.name] ??= {}) as Record<string, unknown>;
      const add = () => {
        const [k, v] = mapEntry(r, field);
        map[k] = v;
      };
      if (r.eat('[')) {
        while (!r.eat(']')) {
          add();
          r.eat(',');
        }
      } else add();
    } else if (field.repeated) {
      const list = (obj[field.name] ??= []) as unknown[];
      if (r.eat('[')) {
        while (!r.eat(']')) {
          list.push(value(r, field));
          r.eat(',');
        }
      } else list.push(value(r, field));
    } else {
      if (name.text in obj) throw new Error(`line ${name.line}: field "${name.text}" is set twice`);
      if (!colon && !(field.resolvedType instanceof protobuf.Type))
        throw new Error(`line ${name.line}: expected ":" after "${name.text}"`);
      obj[field.name] = value(r, field);
    }
    r.eat(',') || r.eat(';');
  }
}

/**
 * Parses `text` as a `type` message; returns it as protobufjs's toObject gives it (enums as names,
 * 64-bit integers as numbers, unset fields left out). Throws on anything the schema does not allow.
 */
export function parsePbtxt(text: string, type: protobuf.Type): Record<string, unknown> {
  const obj = message(new Reader(tokenize(text)), type, null);
  const msg = type.fromObject(obj);
  const err = type.verify(msg);
  if (err) throw new Error(`${nameOf(type)}: ${err}`);
  return type.toObject(msg, { enums: String, longs: Number, arrays: false, objects: false }) as Record<string, unknown>;
}

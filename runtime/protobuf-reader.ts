/**
 * A minimal protobuf wire-format reader: enough to pull metadata and input/output signatures out of
 * an .onnx file in the browser without shipping protobufjs and the ONNX schema (the exporter, in
 * Node, uses protobufjs). Bounds are checked on every read so truncated files fail loudly.
 */
export class ProtoError extends Error {}

export interface Field {
  no: number;
  wire: number;
  /** Varint value (wire 0), or undefined. */
  varint?: number;
  /** Sub-buffer (wire 2), or undefined. */
  bytes?: Uint8Array;
}

export function* fields(buf: Uint8Array): Generator<Field> {
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= buf.length) throw new ProtoError('truncated varint');
      const b = buf[pos++];
      result += (b & 0x7f) * mul;
      if (!(b & 0x80)) return result;
      mul *= 128;
    }
    throw new ProtoError('varint longer than 10 bytes');
  };
  while (pos < buf.length) {
    const key = varint();
    const no = Math.floor(key / 8);
    const wire = key & 7;
    if (no === 0) throw new ProtoError('field number 0');
    switch (wire) {
      case 0:
        yield { no, wire, varint: varint() };
        break;
      case 1:
        if (pos + 8 > buf.length) throw new ProtoError('truncated fixed64');
        pos += 8;
        yield { no, wire };
        break;
      case 2: {
        const len = varint();
        if (pos + len > buf.length) throw new ProtoError(`field ${no} needs ${len} bytes, ${buf.length - pos} left`);
        yield { no, wire, bytes: buf.subarray(pos, pos + len) };
        pos += len;
        break;
      }
      case 5:
        if (pos + 4 > buf.length) throw new ProtoError('truncated fixed32');
        pos += 4;
        yield { no, wire };
        break;
      default:
        throw new ProtoError(`wire type ${wire}`);
    }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
export function str(b: Uint8Array | undefined): string {
  if (!b) return '';
  try {
    return utf8.decode(b);
  } catch {
    throw new ProtoError('invalid UTF-8 in a string field');
  }
}

/** Signed int64 read from a varint as a JS number (two's complement for negatives). */
export function int64(v: number | undefined): number {
  if (v === undefined) return 0;
  return v >= 2 ** 63 ? v - 2 ** 64 : v;
}

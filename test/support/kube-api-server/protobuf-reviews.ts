// The protobuf bodies kubectl sends for reviews (`kubectl auth can-i`, `auth whoami`), decoded into the
// JSON objects they stand for. A real server reads protobuf for every built-in kind; this one reads it
// only here, where kubectl leaves no choice. Wire format: "k8s\0", then a runtime.Unknown message whose
// `raw` field holds the object's own message.
import { badRequestError } from './errors.ts';
import type { JsonObject } from './resource-types.ts';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Fields of one message: number → values (strings for length-delimited fields, as raw buffers). */
type Fields = Map<number, Buffer[]>;

function readVarint(buffer: Buffer, offset: number): [number, number] {
  let value = 0;
  let shift = 0;
  let position = offset;
  for (;;) {
    if (position >= buffer.length) throw badRequestError('truncated protobuf varint');
    const byte = buffer[position++]!;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value, position];
    shift += 7;
  }
}

function fieldsOf(buffer: Buffer): Fields {
  const fields: Fields = new Map();
  let offset = 0;
  while (offset < buffer.length) {
    const [key, afterKey] = readVarint(buffer, offset);
    const field = Math.floor(key / 8);
    const wireType = key & 7;
    if (wireType === 0) {
      offset = readVarint(buffer, afterKey)[1];
    } else if (wireType === 2) {
      const [length, start] = readVarint(buffer, afterKey);
      const values = fields.get(field) ?? [];
      values.push(buffer.subarray(start, start + length));
      fields.set(field, values);
      offset = start + length;
    } else if (wireType === 1) {
      offset = afterKey + 8;
    } else if (wireType === 5) {
      offset = afterKey + 4;
    } else {
      throw badRequestError(`unsupported protobuf wire type ${wireType}`);
    }
  }
  return fields;
}

function text(fields: Fields, field: number): string | undefined {
  return fields.get(field)?.[0]?.toString('utf8');
}

function message(fields: Fields, field: number): Fields | undefined {
  const value = fields.get(field)?.[0];
  return value ? fieldsOf(value) : undefined;
}

function strings(fields: Fields, names: Record<number, string>): JsonObject {
  const object: JsonObject = {};
  for (const [field, name] of Object.entries(names)) {
    const value = text(fields, Number(field));
    if (value !== undefined) object[name] = value;
  }
  return object;
}

const RESOURCE_ATTRIBUTES = {
  1: 'namespace',
  2: 'verb',
  3: 'group',
  4: 'version',
  5: 'resource',
  6: 'subresource',
  7: 'name',
};

function reviewSpec(kind: string, spec: Fields | undefined): JsonObject {
  if (!spec) return {};
  switch (kind) {
    case 'SelfSubjectAccessReview': {
      const resource = message(spec, 1);
      const nonResource = message(spec, 2);
      return {
        ...(resource ? { resourceAttributes: strings(resource, RESOURCE_ATTRIBUTES) } : {}),
        ...(nonResource ? { nonResourceAttributes: strings(nonResource, { 1: 'path', 2: 'verb' }) } : {}),
      };
    }
    case 'SelfSubjectRulesReview':
      return strings(spec, { 1: 'namespace' });
    default:
      return {};
  }
}

export function isProtobuf(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'application/vnd.kubernetes.protobuf';
}

/** The review a protobuf body carries, as JSON. */
export function decodeProtobufReview(body: Buffer): JsonObject {
  if (!body.subarray(0, 4).equals(MAGIC)) throw badRequestError('a protobuf body must start with "k8s\\0"');
  const unknown = fieldsOf(body.subarray(4));
  const typeMeta = message(unknown, 1);
  const raw = unknown.get(2)?.[0];
  if (!typeMeta || !raw) throw badRequestError('a protobuf body needs typeMeta and raw');
  const kind = text(typeMeta, 2) ?? '';
  const object = fieldsOf(raw);
  return { apiVersion: text(typeMeta, 1), kind, spec: reviewSpec(kind, message(object, 2)) };
}

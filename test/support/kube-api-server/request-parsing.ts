// Reading what a request asks for: verb, body, query options and the Accept header's Table request.
import type { IncomingMessage } from 'node:http';
import { badRequestError, notAcceptableError } from './errors.ts';
import { MAX_REQUEST_BODY_BYTES, requestEntityTooLargeError } from './object-size.ts';
import type { IncludeObject } from './table.ts';
import type { KubeVerb } from './test-controls.ts';

export function verbFor(method: string, hasName: boolean, query: URLSearchParams): KubeVerb | undefined {
  switch (method) {
    case 'GET': {
      const watch = query.get('watch');
      if (watch === 'true' || watch === '1') return 'watch';
      return hasName ? 'get' : 'list';
    }
    case 'POST':
      return hasName ? undefined : 'create';
    case 'PUT':
      return hasName ? 'update' : undefined;
    case 'PATCH':
      return hasName ? 'patch' : undefined;
    case 'DELETE':
      return hasName ? 'delete' : 'deletecollection';
    default:
      return undefined;
  }
}

/** The body as bytes; over 3 MiB it is read to the end (so the client gets the answer) and refused with 413. */
export async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size <= MAX_REQUEST_BODY_BYTES) chunks.push(buffer);
  }
  if (size > MAX_REQUEST_BODY_BYTES) throw requestEntityTooLargeError();
  return Buffer.concat(chunks);
}

export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequestError(`the request body is not valid JSON: ${(error as Error).message}`);
  }
}

export function integerParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw badRequestError(`${name} must be an integer, got "${raw}"`);
  return value;
}

export interface ResponseFormat {
  asTable: boolean;
  includeObject: IncludeObject;
}

/**
 * JSON, or a meta.k8s.io Table when the Accept header asks for one. Protobuf is not spoken here, so a
 * request that accepts nothing but protobuf gets 406, like a server without that serializer.
 */
export function responseFormat(accept: string | undefined, query: URLSearchParams): ResponseFormat {
  const includeParam = query.get('includeObject');
  const includeObject: IncludeObject =
    includeParam === 'None' || includeParam === 'Object' || includeParam === 'Metadata'
      ? includeParam
      : 'Metadata';
  if (!accept) return { asTable: false, includeObject };
  const ranges = accept.split(',').map((range) => range.trim().toLowerCase());
  let jsonAllowed = false;
  for (const range of ranges) {
    const [mediaType, ...parameters] = range.split(';').map((part) => part.trim());
    const params = new Map(parameters.map((parameter) => parameter.split('=') as [string, string]));
    const isJson = mediaType === 'application/json' || mediaType === '*/*' || mediaType === 'application/*';
    if (!isJson) continue;
    if (params.get('as') === 'table' && params.get('g') === 'meta.k8s.io')
      return { asTable: true, includeObject };
    if (!params.has('as')) jsonAllowed = true;
  }
  if (!jsonAllowed) throw notAcceptableError(accept);
  return { asTable: false, includeObject };
}

// What a request body may be, by its Content-Type, as kube-apiserver decides: objects come as JSON or
// YAML; patches as JSON merge patch, JSON patch, server-side apply (YAML, custom resources) or, for
// built-in kinds only, strategic merge patch.
// Anything else (protobuf, CBOR, plain text) is 415 Unsupported Media Type. Protobuf is refused for
// built-in kinds too: a real server accepts it there, this one does not speak it.
import { parse as parseYaml } from 'yaml';
import { badRequestError, KubeApiError } from './errors.ts';
import { tracksManagedFields } from './managed-fields.ts';
import { parseJsonBody } from './request-parsing.ts';
import type { ResourceType } from './resource-types.ts';

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

function unsupportedMediaType(accepted: string[]): KubeApiError {
  return new KubeApiError({
    code: 'UnsupportedMediaType',
    httpStatus: 415,
    reason: 'UnsupportedMediaType',
    message: `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  });
}

/** The object of a create or update. A request without Content-Type is read as JSON. */
export function decodeObjectBody(contentType: string | undefined, text: string): unknown {
  const mediaType = mediaTypeOf(contentType);
  if (mediaType === '' || mediaType === 'application/json') return parseJsonBody(text);
  if (mediaType === 'application/yaml') {
    try {
      return parseYaml(text);
    } catch (error) {
      throw badRequestError(`the request body is not valid YAML: ${(error as Error).message}`);
    }
  }
  throw unsupportedMediaType(['application/json', 'application/yaml']);
}

function patchMediaTypes(type: ResourceType): string[] {
  const accepted = [
    'application/json-patch+json',
    'application/merge-patch+json',
    'application/apply-patch+yaml',
  ];
  if (type.strategicMergePatch) accepted.push('application/strategic-merge-patch+json');
  return accepted;
}

/** Refuses strategic merge patch where the kind has no Go struct tags for it (custom resources). */
export function requirePatchSupport(patchType: PatchType, type: ResourceType): PatchType {
  if (patchType === 'strategic' && !type.strategicMergePatch)
    throw unsupportedMediaType(patchMediaTypes(type));
  return patchType;
}

/** The patch type a PATCH asks for by its Content-Type. */
export function patchTypeFor(contentType: string | undefined, type: ResourceType): PatchType {
  const mediaType = mediaTypeOf(contentType);
  if (mediaType === 'application/merge-patch+json') return 'merge';
  if (mediaType === 'application/json-patch+json') return 'json';
  if (mediaType === 'application/strategic-merge-patch+json') return requirePatchSupport('strategic', type);
  if (mediaType === 'application/apply-patch+yaml') {
    if (tracksManagedFields(type)) return 'apply';
    throw new KubeApiError({
      code: 'UnsupportedMediaType',
      httpStatus: 415,
      reason: 'UnsupportedMediaType',
      message: `server-side apply is modelled by the API test server for custom resources only, not ${type.plural}`,
    });
  }
  throw unsupportedMediaType(patchMediaTypes(type));
}

/** A `Warning` header value as kube-apiserver writes it: code 299, no agent, the text quoted. */
export function warningHeaderValue(text: string): string {
  return `299 - "${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

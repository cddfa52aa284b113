// What a request asks to do, in the terms authorization judges: a verb on a resource (group, resource,
// subresource, namespace, name), or a verb on a non-resource path. Parsed from the URL alone, before
// routing, as kube-apiserver's RequestInfoFactory does: a request for a resource nobody serves is still
// judged (and refused with 403 before it could be told 404).

export interface ResourceAttributes {
  kind: 'resource';
  verb: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

export interface NonResourceAttributes {
  kind: 'nonResource';
  /** The HTTP method in lower case: get, post, put, patch, delete, head. */
  verb: string;
  path: string;
}

export type RequestAttributes = ResourceAttributes | NonResourceAttributes;

const METHOD_VERBS: Record<string, string> = {
  GET: 'get',
  HEAD: 'get',
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

/** Segments after `namespaces/{name}` that are subresources of the namespace, not resources in it. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** A name from `fieldSelector=metadata.name=x` (or `==`), which RBAC's resourceNames can match on list/watch. */
function nameFromFieldSelector(selector: string | null): string {
  if (!selector) return '';
  for (const term of selector.split(',')) {
    const match = /^\s*metadata\.name\s*==?\s*([^\s,]+)\s*$/.exec(term);
    if (match && !match[1]!.includes('/')) return match[1]!;
  }
  return '';
}

export function requestAttributes(options: {
  method: string;
  pathname: string;
  query: URLSearchParams;
}): RequestAttributes {
  const nonResource: NonResourceAttributes = {
    kind: 'nonResource',
    verb: options.method.toLowerCase(),
    path: options.pathname,
  };
  const verb = METHOD_VERBS[options.method];
  const segments = options.pathname
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => decodeURIComponent(segment));
  let group: string;
  let version: string;
  let parts: string[];
  if (segments[0] === 'api' && segments.length >= 3) {
    group = '';
    version = segments[1]!;
    parts = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 4) {
    group = segments[1]!;
    version = segments[2]!;
    parts = segments.slice(3);
  } else {
    return nonResource;
  }
  if (!verb) return nonResource;
  const attributes: ResourceAttributes = {
    kind: 'resource',
    verb,
    group,
    version,
    resource: '',
    subresource: '',
    namespace: '',
    name: '',
  };
  if (parts[0] === 'namespaces' && parts.length > 1) {
    attributes.namespace = parts[1]!;
    // /namespaces/{ns}/{resource}/...: the namespace is where the resource lives.
    if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2]!)) parts = parts.slice(2);
  }
  attributes.resource = parts[0] ?? '';
  attributes.name = parts[1] ?? '';
  attributes.subresource = parts[2] ?? '';
  if (attributes.name === '' && attributes.verb === 'get') {
    const watch = options.query.get('watch');
    attributes.verb = watch === 'true' || watch === '1' ? 'watch' : 'list';
    attributes.name = nameFromFieldSelector(options.query.get('fieldSelector'));
  }
  if (attributes.name === '' && attributes.verb === 'delete') attributes.verb = 'deletecollection';
  return attributes;
}

/** `pods`, `chaosexperiments/status`: the resource as RBAC rules and messages name it. */
export function resourceWithSubresource(attributes: ResourceAttributes): string {
  return attributes.subresource ? `${attributes.resource}/${attributes.subresource}` : attributes.resource;
}

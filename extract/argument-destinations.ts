import { destinationFromBareHost, findDestinationsInText, type Destination } from './destination.js';

export interface ArgumentDestination extends Destination {
  /** JSON path into the arguments, e.g. `$.to[0]` or `$.options["callback url"]`. */
  location: string;
}

const HOST_LIKE_KEY = /host|domain|server|endpoint|url|uri|addr|target|dest|remote|proxy|^ips?$/i;
const VERSION_KEY = /version/i;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const MAX_DEPTH = 32;

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/**
 * Every destination in a tool call's arguments, with the JSON path where it was found; the same
 * value at the same path is reported once. At most `limit` are returned so that one hostile
 * argument cannot flood the pipeline.
 */
export function findArgumentDestinations(args: unknown, limit = 64): ArgumentDestination[] {
  const found: ArgumentDestination[] = [];
  const seen = new Set<string>();
  const add = (destination: Destination, location: string) => {
    const key = `${location}\u0000${destination.value}`;
    if (found.length < limit && !seen.has(key)) {
      seen.add(key);
      found.push({
        scheme: destination.scheme,
        host: destination.host,
        port: destination.port,
        value: destination.value,
        location,
      });
    }
  };
  const walk = (value: unknown, path: string, key: string, depth: number): void => {
    if (found.length >= limit || depth > MAX_DEPTH) return;
    if (typeof value === 'string') {
      const versionLike = VERSION_KEY.test(key);
      const inText = findDestinationsInText(value).filter((d) => !(versionLike && d.scheme === 'host'));
      for (const destination of inText) add(destination, path);
      if (inText.length === 0 && !versionLike) {
        const bare = destinationFromBareHost(value, HOST_LIKE_KEY.test(key));
        if (bare !== null) add(bare, path);
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, childPath(path, index), key, depth + 1));
    } else if (value !== null && typeof value === 'object') {
      for (const [childKey, child] of Object.entries(value))
        walk(child, childPath(path, childKey), childKey, depth + 1);
    }
  };
  walk(args, '$', '', 0);
  return found;
}

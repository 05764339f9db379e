/**
 * Whether `topic` matches a subscription `pattern`: `*` or empty matches everything, `prefix.*`
 * matches topics starting with `prefix.`, anything else must be equal (reference §E.5).
 */
export function matchTopic(pattern: string, topic: string): boolean {
  if (pattern === '' || pattern === '*') return true;
  if (pattern.endsWith('.*')) return topic.startsWith(pattern.slice(0, -1));
  return pattern === topic;
}

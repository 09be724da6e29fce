/**
 * The string hash used for routing and bucketing: FNV-1a over UTF-16 code units. Fixed,
 * seedless and identical on every platform, so a namespace always lands on the same shard for
 * a given shard count. (Not collision-resistant against chosen keys; neither is immutable's.)
 */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Namespace → shard routing. */
export function shardOf(namespace: string, shardCount: number): number {
  return shardCount <= 1 ? 0 : fnv1a(namespace) % shardCount;
}

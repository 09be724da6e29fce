/**
 * Namespace → shard routing. FNV-1a over UTF-16 code units: fixed, seedless and identical on
 * every platform, so a namespace always lands on the same shard for a given shard count.
 */
export function shardOf(namespace: string, shardCount: number): number {
  if (shardCount <= 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < namespace.length; i++) {
    hash ^= namespace.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shardCount;
}

/** A `(namespace, key)` pair, as every sorted listing (keys of a snapshot, a diff) gives them. */
export type Pair = [namespace: string, key: string];

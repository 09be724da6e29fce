/**
 * Deleting a thread: every checkpoint, blob and pending write of it, in all its namespaces,
 * then the indexes that name them. The data goes first and the indexes last, so a delete cut
 * short (the process died) can be repeated and finds what is left.
 */
import type { StoreApi } from "../index.js";
import type { SaverLayout, ThreadSpace } from "./saver-layout.js";

export async function deleteThread(
  store: StoreApi,
  layout: SaverLayout,
  threadId: string,
): Promise<void> {
  const indexOfNamespaces = layout.namespacesOf(threadId);
  const spaces = (await store.keys(indexOfNamespaces)).map(
    (ns): ThreadSpace => ({ thread: threadId, ns }),
  );
  const namespaces = (
    await Promise.all(
      spaces.map(async (space) => {
        const ids = await store.keys(layout.checkpoints(space));
        return [
          layout.checkpoints(space),
          layout.blobs(space),
          ...ids.map((id) => layout.writes(space, id)),
        ];
      }),
    )
  ).flat();
  await deleteAll(store, namespaces);
  await deleteAll(store, [indexOfNamespaces]);
  await store.delete(layout.threads, threadId);
}

/** Deletes every key of `namespaces`. */
async function deleteAll(store: StoreApi, namespaces: readonly string[]): Promise<void> {
  const keys = await Promise.all(namespaces.map((ns) => store.keys(ns)));
  await Promise.all(
    namespaces.flatMap((ns, i) => (keys[i] ?? []).map((key) => store.delete(ns, key))),
  );
}

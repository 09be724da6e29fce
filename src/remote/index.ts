/** Sharing one store across threads: serve it with `exposeStore`, reach it with `connectStore`. */
export { connectStore, RemoteStore } from "./client.js";
export { exposeStore } from "./server.js";

/** The web console's wire format: binary columnar event frames and the /ws JSON protocol (docs/frames.md). */
export * from "./format";
export * from "./encode";
export * from "./decode";
export * from "./protocol";
export * from "./columns";

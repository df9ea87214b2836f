export * from "./gguf-metadata.js";

// `node --import ./loader.mjs --test …`: resolves as the bundle does (hooks.mjs).
import { register } from "node:module";

register("./hooks.mjs", import.meta.url);

// `assert/strict`: the `assert` polyfill's strict mode, as Node.js exports it.
import assert from "assert";

export default assert.strict;

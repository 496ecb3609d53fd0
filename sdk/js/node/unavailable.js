// A Node.js built-in that a WebAssembly function cannot have (`child_process`,
// `worker_threads`, raw sockets, …): the module loads, so that a package that only
// imports it still works, and each of its members fails when it is used, with an
// error that names the built-in, who imported it, and what to use instead.

/** The error of using `member` of the unavailable built-in `details.name`. */
export function unavailableError(details, member) {
  const what = member ? `${details.name}.${member}` : details.name;
  const error = new Error(
    `${what} is not available in a WebAssembly function: ${details.why}; ${details.instead} ` +
      `(\`${details.name}\` is imported by ${details.importer})`,
  );
  error.code = "ERR_FC_UNAVAILABLE_BUILTIN";
  return error;
}

/** The module: `member(name)` is a function (or class) that throws when called. */
export function unavailable(details) {
  const member = (name) =>
    function unavailableMember() {
      throw unavailableError(details, name);
    };
  const module = new Proxy(
    {},
    {
      get(target, key) {
        if (typeof key !== "string" || key === "then" || key === "__esModule") return undefined;
        return member(key);
      },
    },
  );
  return { member, module };
}

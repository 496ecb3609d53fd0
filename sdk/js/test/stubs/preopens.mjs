// `wasi:filesystem/preopens` for the unit tests: no directories (the filesystem is
// tested in the component, against the host's WASI).
export function getDirectories() {
  return [];
}

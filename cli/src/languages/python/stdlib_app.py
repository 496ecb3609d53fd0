"""Written and run by `fcwasm build` once per componentize-py release.

componentize-py runs a module's top level while it builds the component, inside its
own CPython, with the standard library at `/python` and each `-p` folder at `/0`,
`/1`, ... (writable). This app copies that standard library to `/1/python` and
compiles every module beside its source (hash-based, unchecked: the files are
read-only where they run), so a function can import any of it at call time from
the copy the runtime mounts at `/python`.
"""

import compileall
import py_compile
import shutil

# What a function cannot use: GUI and REPL tools, installers, the build's own config.
LEFT_OUT = (
    "idlelib",
    "tkinter",
    "turtledemo",
    "ensurepip",
    "venv",
    "__phello__",
    "config-3.*",
    "site-packages",
    "__pycache__",
)

shutil.copytree("/python", "/1/python", ignore=shutil.ignore_patterns(*LEFT_OUT))
compiled = compileall.compile_dir(
    "/1/python",
    ddir="/python",
    quiet=2,
    workers=1,
    invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
)
with open("/1/done.txt", "w") as done:
    done.write("compiled\n" if compiled else "compiled, some modules failed\n")


class WitWorld:
    """The world's one export, never called."""

    def run(self):
        pass

# Runs once in the sandbox's Python, after Pyodide has loaded and before any user code.
#
# The boundary that contains hostile code is the sandbox *process* (Node's permission model, an empty
# environment, no network modules or bridges left in its JavaScript). This file adds the Python layer:
# the bridges to JavaScript (`js`, `pyodide_js`, `pyodide.ffi`, ctypes) are unimportable, and an audit
# hook, which Python code cannot remove, refuses processes, sockets, host paths and the heap walks
# (gc.get_objects) that would find the hidden bridges, with a PermissionError that says so. Frames stay
# readable (warnings and logging need sys._getframe), so this layer is not a wall on its own; the
# process is. It also defines the runner the
# JavaScript side calls, and the reset that runs after every call so that calls do not see each other.
import builtins
import os
import posixpath
import sys
import traceback

from pyodide.code import eval_code as _eval_code

_MARK = "cogcore sandbox:"


class SandboxPermissionError(PermissionError):
    pass


_BLOCKED_MODULES = frozenset(
    ["js", "pyodide_js", "pyodide", "_pyodide", "_pyodide_core", "micropip", "ctypes", "_ctypes",
     "subprocess", "_posixsubprocess", "multiprocessing", "_multiprocessing", "pyodide_http"]
)
_DENIED_EVENTS = frozenset(
    ["os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "os.kill", "os.killpg",
     "subprocess.Popen", "pty.spawn", "socket.__new__", "socket.connect", "socket.bind", "socket.getaddrinfo",
     "socket.gethostbyname", "socket.gethostbyaddr", "socket.sendto", "ctypes.dlopen", "ctypes.dlsym",
     "ctypes.dlsym/handle", "ctypes.cdata", "ctypes.cdata/buffer", "ctypes.call_function", "ctypes.addressof",
     "gc.get_objects", "gc.get_referrers", "gc.get_referents", "sys._current_frames", "sys._current_exceptions",
     "sys.setprofile", "sys.settrace", "sys.monitoring.register_callback", "webbrowser.open",
     "urllib.Request", "http.client.connect", "ftplib.connect", "smtplib.connect", "imaplib.open",
     "poplib.connect", "nntplib.connect", "telnetlib.Telnet.open"]
)
_READABLE = ("/tmp", "/home/pyodide", "/lib", "/usr/lib", "/dev/null", "/dev/urandom", "/dev/random")
_WRITABLE = ("/tmp", "/home/pyodide", "/dev/null")


def _deny(what):
    raise SandboxPermissionError(f"{_MARK} {what} is not permitted")


def _inside(path, roots):
    return any(path == root or path.startswith(root + "/") for root in roots)


def _check_open(path, mode, flags):
    if isinstance(path, int):
        return
    if isinstance(path, bytes):
        path = path.decode("utf-8", "replace")
    full = posixpath.normpath(posixpath.join(os.getcwd(), str(path)))
    writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (isinstance(flags, int) and flags & 3)
    if writing and not _inside(full, _WRITABLE):
        _deny(f"writing {full} (only /tmp and /home/pyodide are writable, and they are not the host's)")
    if not _inside(full, _READABLE):
        _deny(f"reading {full} (host files are not visible)")


# The sets are bound as defaults, so rebinding this module's globals does not change what is refused.
def _audit(event, args, blocked=_BLOCKED_MODULES, denied=_DENIED_EVENTS, check_open=_check_open, deny=_deny):
    if event == "open":
        check_open(*args[:3])
    elif event == "import":
        name = args[0]
        if name in blocked or name.split(".", 1)[0] in blocked:
            deny(f"importing {name}")
    elif event in denied:
        deny(event)


def _hide_bridges():
    for name in list(sys.modules):
        root = name.split(".", 1)[0]
        if root in _BLOCKED_MODULES:
            del sys.modules[name]
    sys.meta_path[:] = [finder for finder in sys.meta_path if "Js" not in type(finder).__name__]


_hide_bridges()
for _name in ("system", "popen", "execv", "execve", "fork", "kill", "spawnv", "posix_spawn"):
    if hasattr(os, _name):
        setattr(os, _name, lambda *args, _event=_name, **kwargs: _deny(f"os.{_event}"))
_MAX_RECURSION_LIMIT = 20000
_set_recursion_limit = sys.setrecursionlimit


def _setrecursionlimit(limit, maximum=_MAX_RECURSION_LIMIT, set_limit=_set_recursion_limit):
    if limit > maximum:
        _deny(f"raising the recursion limit above {maximum}")
    set_limit(limit)


sys.setrecursionlimit = _setrecursionlimit
os.environ.clear()
os.environ.update({"HOME": "/home/pyodide", "PATH": "/usr/bin", "LANG": "C.UTF-8"})
os.makedirs("/home/pyodide", exist_ok=True)
os.chdir("/home/pyodide")
sys.addaudithook(_audit)

_baseline_modules = frozenset(sys.modules)
_baseline_builtins = dict(builtins.__dict__)
_baseline_path = list(sys.path)
_baseline_meta_path = list(sys.meta_path)
_baseline_limit = sys.getrecursionlimit()
_baseline_environ = dict(os.environ)
_streams = (sys.stdout, sys.stderr, sys.stdin)


def _describe(error):
    try:
        lines = traceback.format_exception(type(error), error, error.__traceback__)
        # Drop the runtime's own frames, which come before the user's code ("<code>").
        start = next((i for i, line in enumerate(lines) if '"<code>"' in line), 1)
        return "".join(lines[:1] + lines[start:])
    except BaseException:
        return f"{type(error).__name__}"


def _run(source, max_value_chars):
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    try:
        value = _eval_code(source, namespace, filename="<code>")
        text = None if value is None else repr(value)
        if text is not None and len(text) > max_value_chars:
            return ("output", None, f"the value's repr is longer than {max_value_chars} characters")
        return ("ok", text, None)
    except KeyboardInterrupt:
        return ("interrupted", None, None)
    except MemoryError:
        return ("memory", None, "MemoryError")
    except RecursionError as error:
        return ("stack", None, _describe(error))
    except SandboxPermissionError as error:
        return ("permission", None, str(error))
    except SystemExit as error:
        return ("ok" if error.code in (None, 0) else "error", None, None if error.code in (None, 0) else f"SystemExit: {error.code}")
    except BaseException as error:
        # JavaScript refusing a reach for the host (see hardenJavaScript in sandbox-python.mjs).
        if "is not available in the sandbox" in str(error):
            return ("permission", None, f"{_MARK} {str(error).splitlines()[0]}")
        return ("error", None, _describe(error))


def _remove_tree(root):
    for entry in os.listdir(root):
        path = posixpath.join(root, entry)
        if posixpath.isdir(path) and not posixpath.islink(path):
            _remove_tree(path)
            os.rmdir(path)
        else:
            os.unlink(path)


def _reset():
    for name in list(sys.modules):
        if name not in _baseline_modules:
            del sys.modules[name]
    builtins.__dict__.clear()
    builtins.__dict__.update(_baseline_builtins)
    sys.path[:] = _baseline_path
    sys.meta_path[:] = _baseline_meta_path
    _set_recursion_limit(_baseline_limit)
    sys.setrecursionlimit = _setrecursionlimit
    sys.stdout, sys.stderr, sys.stdin = _streams
    os.environ.clear()
    os.environ.update(_baseline_environ)
    os.chdir("/home/pyodide")
    for root in ("/tmp", "/home/pyodide"):
        _remove_tree(root)


(_run, _reset)

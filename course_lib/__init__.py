"""MLOps from notebook to production: the graded companion package of the course

```python
from __future__ import annotations
import configparser, os, re
from importlib import resources
from pathlib import Path
from types import SimpleNamespace
```

```python
STACK = [
    # brick, layer, hands-on tool, chapter, alternatives
    ("preprocessing", "data science", "pandas, FineWeb rules", "01", "datatrove, Spark"),
    ("model definition", "data science", "scikit-learn, PyTorch", "02", "JAX, XGBoost"),
    ("training", "data science", "scikit-learn, PyTorch", "02", "Lightning, Ray Train"),
    ("evaluation", "data science", "scikit-learn metrics", "02", "Evidently, Deepchecks"),
    ("experiment & artifact tracking", "ML engineering", "MLflow", "03", "Weights & Biases, Neptune"),
    ("model registry", "ML engineering", "MLflow", "03", "Yatai, W&B registry, cloud registries"),
    ("data & pipeline versioning", "ML engineering", "DVC", "04", "lakeFS, Pachyderm"),
    ("packaging", "ML engineering", "BentoML", "05", "MLflow models, Docker images"),
    ("deployment & serving", "ML engineering", "BentoML", "05", "KServe, Triton, Yatai"),
    ("pipeline orchestration", "ML engineering", "ZenML", "06", "Airflow, Kubeflow, Flyte, Ray"),
    ("monitoring", "ML engineering", "Prometheus, drift tests", "07", "Grafana, Loki, Evidently"),
    ("runtime engine", "runtime", "Ray", "08", "Spark, Flink, Kafka, Temporal"),
    ("managed platform", "runtime", "(compared)", "09", "Vertex AI, SageMaker, Azure ML"),
]
STACK_FIELDS = ("brick", "layer", "tool", "chapter", "alternatives")

def stack_table():
    "The stack map as a list of dicts, one per brick."
    return [dict(zip(STACK_FIELDS, row)) for row in STACK]
```

```python
MARKER = ".course-home"
SECTIONS = ("course", "services", "serving", "tracking", "grading")

class SettingsError(ValueError):
    "A settings file or environment variable holds something the course cannot use."

def package_settings() -> Path:
    "Path of the defaults that ship with `course_lib`."
    return Path(str(resources.files("course_lib") / "settings.ini"))

_KINDS = {"bool": "true or false", "int": "an integer", "float": "a number",
          "intlist": "a comma-separated list of integers", "str": "text"}

def _kind(raw: str # a default value, as written in the file
         ) -> str:
    "The type of a setting, read off its default value."
    if raw.lower() in ("true", "false"): return "bool"
    if re.fullmatch(r"[+-]?\d+", raw): return "int"
    if re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?", raw): return "float"
    if re.fullmatch(r"[+-]?\d+(\s*,\s*[+-]?\d+)+", raw): return "intlist"
    return "str"

def _convert(raw: str, # the value as written
             kind: str, # its type, from `_kind`
             where: str # "file: [section] key", for the error message
            ):
    "Turn a raw setting into a value of its kind, or raise `SettingsError` naming where it came from."
    try:
        if kind == "bool":
            if raw.lower() not in ("true", "false"): raise ValueError
            return raw.lower() == "true"
        if kind == "int": return int(raw)
        if kind == "float": return float(raw)
        if kind == "intlist": return [int(x) for x in raw.split(",")]
        return raw
    except ValueError:
        raise SettingsError(f"{where} = {raw!r} is not {_KINDS[kind]}; fix it in that file") from None

def _check_range(key, value, where):
    "Catch values of the right type that still make no sense."
    bad = ((key.endswith("_fraction") and not 0 <= value <= 1)
           or ((key.endswith(("_timeout", "_pages", "_mb", "_seconds")) or key in ("epochs", "seed"))
               and not (value > 0 or (key == "seed" and value == 0))))
    if bad: raise SettingsError(f"{where} = {value!r} is out of range "
                                f"({'between 0 and 1' if key.endswith('_fraction') else 'must be positive'})")
```

```python
def _read_ini(path: Path # an INI file
             ) -> dict:
    "Sections of an INI file as plain dicts of raw strings."
    cp = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=("#", ";"),
                                   default_section="__defaults_unused__")
    try: cp.read_string(Path(path).read_text(), source=str(path))
    except OSError as e: raise SettingsError(f"cannot read settings file {path}: {e}") from None
    except configparser.Error as e:
        raise SettingsError(f"settings file {path} is not valid INI: {e}".replace("\n", " ")) from None
    return {s: dict(cp[s]) for s in cp.sections()}

_OURS = re.compile(r"^\[(course|services|serving|tracking|grading|profile\.[\w-]+)\]", re.M)

def find_settings(start: Path|None = None # folder to search from; the working directory by default
                 ) -> Path|None:
    "The settings file that overrides the defaults: `COURSE_SETTINGS`, else the nearest course `settings.ini`."
    named = os.environ.get("COURSE_SETTINGS")
    if named:
        p = Path(named).expanduser()
        if not p.is_file():
            raise SettingsError(f"COURSE_SETTINGS names {p}, which is not a file; point it at a settings.ini or unset it")
        return p
    here = Path(start or Path.cwd()).resolve()
    for d in [here, *here.parents]:
        f = d / "settings.ini"
        try:
            if f.is_file() and _OURS.search(f.read_text()): return f
        except OSError: continue
    return None
```

```python
class Settings(dict):
    "Typed settings by section (`s['grading']['cell_timeout']`), with the file they came from."
    def __init__(self, values, file):
        super().__init__(values)
        self.file = file
    @property
    def profiles(self) -> list:
        "Names of the profiles defined."
        return sorted(s.split(".", 1)[1] for s in self if s.startswith("profile."))
    @property
    def source(self) -> str:
        "Where the overrides came from, for messages."
        return str(self.file) if self.file else f"the defaults ({package_settings()})"

def load_settings(path: str|Path|None = None # settings file; found by `find_settings` when None
                 ) -> Settings:
    "The course settings: the package defaults overlaid with the settings file, type-checked."
    defaults = package_settings()
    raw = _read_ini(defaults)
    kinds = {sec: {k: _kind(v) for k, v in kv.items()} for sec, kv in raw.items()}
    profile_kinds = kinds["profile.smoke"]
    values = {sec: {k: _convert(v, kinds[sec][k], f"{defaults}: [{sec}] {k}") for k, v in kv.items()}
              for sec, kv in raw.items()}
    f = Path(path) if path else find_settings()
    if f is not None and f.resolve() != defaults.resolve():
        for sec, kv in _read_ini(f).items():
            if sec.startswith("profile."):
                sk = profile_kinds
                if sec not in values:
                    missing = sorted(set(sk) - set(kv))
                    if missing:
                        raise SettingsError(f"{f}: new profile [{sec}] must set every profile key; missing: {', '.join(missing)}")
                    values[sec] = {}
            elif sec in kinds: sk = kinds[sec]
            else:
                raise SettingsError(f"{f}: unknown section [{sec}]; known sections: "
                                    f"{', '.join(SECTIONS)} and [profile.NAME]")
            for k, v in kv.items():
                if k not in sk:
                    raise SettingsError(f"{f}: unknown key [{sec}] {k}; known keys there: {', '.join(sorted(sk))}")
                values[sec][k] = _convert(v, sk[k], f"{f}: [{sec}] {k}")
    for sec, kv in values.items():
        for k, v in kv.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                _check_range(k, v, f"{f or defaults}: [{sec}] {k}")
    return Settings(values, f)
```

```python
class Profile(dict):
    "One profile's settings; keys read as attributes too."
    def __getattr__(self, k):
        try: return self[k]
        except KeyError: raise AttributeError(f"profile {self.get('name')!r} has no setting {k!r}; it has {', '.join(sorted(self))}") from None

def get_profile(profile: str|None = None, # a profile name; None: COURSE_PROFILE, then the settings
                settings: Settings|None = None # loaded settings; loaded when None
               ) -> str:
    "The name of the profile in force, checked against the profiles defined."
    s = settings if settings is not None else load_settings()
    name = profile or os.environ.get("COURSE_PROFILE") or s["course"]["profile"]
    if name not in s.profiles:
        origin = "argument" if profile else "COURSE_PROFILE" if os.environ.get("COURSE_PROFILE") else s.source
        raise SettingsError(f"unknown profile {name!r} (from {origin}); choose one of {', '.join(s.profiles)} "
                            f"or add a [profile.{name}] section to settings.ini")
    return name

def profile_settings(profile: str|None = None, # a profile name; None: COURSE_PROFILE, then the settings
                     settings: Settings|None = None # loaded settings; loaded when None
                    ) -> Profile:
    "The settings of the profile in force, with its `name` and the course `seed`."
    s = settings if settings is not None else load_settings()
    name = get_profile(profile, s)
    return Profile(name=name, seed=s["course"]["seed"], **s[f"profile.{name}"])
```

```python
def course_home(home: str|Path|None = None, # a folder; None: COURSE_HOME, then the settings
                settings: Settings|None = None # loaded settings; loaded when None
               ) -> Path:
    "The course home's absolute path (not created)."
    if home is None: home = os.environ.get("COURSE_HOME")
    if not home: home = (settings if settings is not None else load_settings())["course"]["home"]
    return Path(home).expanduser().absolute()

def is_home(path: str|Path # a folder
           ) -> bool:
    "True if `path` carries the course-home marker."
    return (Path(path) / MARKER).is_file()

def ensure_home(home: str|Path|None = None # a folder; None: COURSE_HOME, then the settings
               ) -> Path:
    "Create the course home with its marker; refuse a non-empty folder that is not a home."
    h = course_home(home)
    if h.exists() and not h.is_dir():
        raise SettingsError(f"course home {h} exists and is not a folder; set COURSE_HOME to a folder")
    if h.is_dir() and not is_home(h) and any(h.iterdir()):
        raise SettingsError(f"{h} is not empty and is not a course home (no {MARKER} file): "
                            f"choose a new or empty folder for COURSE_HOME")
    h.mkdir(parents=True, exist_ok=True)
    if not is_home(h): (h / MARKER).write_text("This folder is a course home: all the course's tool state lives here.\n")
    return h

def paths(home: str|Path|None = None # the course home; None: COURSE_HOME, then the settings
         ) -> SimpleNamespace:
    "Where each tool keeps its state inside the home (nothing is created)."
    h = course_home(home)
    return SimpleNamespace(home=h, data=h/"data", models=h/"models", runs=h/"runs", services=h/"services",
                           mlflow=h/"mlflow", dvc=h/"dvc", bentoml=h/"bentoml", zenml=h/"zenml",
                           prometheus=h/"prometheus", grading=h/"grading", cache=h/"cache")
```

```python
TELEMETRY_OFF = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1", "ZENML_ANALYTICS_OPT_IN": "false",
                 "BENTOML_DO_NOT_TRACK": "true", "DVC_NO_ANALYTICS": "1", "ZENML_LOGGING_COLORS_DISABLED": "true",
                 "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_OFFLINE": "1"}

def tool_env(home: str|Path|None = None, # the course home; None: COURSE_HOME, then the settings
             profile: str|None = None # the profile; None: COURSE_PROFILE, then the settings
            ) -> dict:
    "The environment variables that point every tool at the home, with telemetry off."
    p = paths(home)
    return {"COURSE_HOME": str(p.home), "COURSE_PROFILE": get_profile(profile),
            "MLFLOW_TRACKING_URI": f"sqlite:///{p.mlflow / 'mlflow.db'}",
            "BENTOML_HOME": str(p.bentoml), "ZENML_CONFIG_PATH": str(p.zenml),
            "DVC_GLOBAL_CONFIG_DIR": str(p.dvc / "global-config"), "DVC_SITE_CACHE_DIR": str(p.dvc / "site-cache"),
            "MPLCONFIGDIR": str(p.cache / "matplotlib"), "HF_HOME": str(p.cache / "huggingface"),
            **TELEMETRY_OFF}

def activate(home: str|Path|None = None, # the course home; None: COURSE_HOME, then the settings
             profile: str|None = None # the profile; None: COURSE_PROFILE, then the settings
            ) -> dict:
    "Create the home, point every tool at it in this process, and return the variables for child processes."
    h = ensure_home(home)
    env = tool_env(h, profile)
    p = paths(h)
    for d in (p.data, p.models, p.runs, p.services, p.mlflow, p.cache):
        d.mkdir(parents=True, exist_ok=True)
    os.environ.update(env)
    return env
```

```python
import atexit, json, os, signal, socket, subprocess, sys, time, urllib.error, urllib.request
from dataclasses import dataclass, field, asdict
from pathlib import Path
from course_lib import config

class ServiceError(RuntimeError):
    "A server did not start, or cannot be found or stopped."

def free_port() -> int:
    "A TCP port on 127.0.0.1 that nothing listens on right now."
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def log_tail(path: str|Path, # a log file
             lines: int = 25 # how many lines from its end
            ) -> str:
    "The last lines of a log file, or a note that it is empty."
    try: text = Path(path).read_text(errors="replace")
    except OSError: return "(no log)"
    tail = text.rstrip().splitlines()[-lines:]
    return "\n".join(tail) if tail else "(the log is empty)"
```

```python
def _proc_identity(pid):
    "Start time and command line of a live, non-zombie process, or None."
    import psutil
    try:
        p = psutil.Process(pid)
        if p.status() == psutil.STATUS_ZOMBIE: return None
        return p.create_time(), p.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied): return None

@dataclass
class Server:
    "A server started through `course_lib.services`, as recorded in the course home."
    name: str
    url: str
    port: int
    pid: int
    create_time: float
    cmdline: list
    health_url: str
    log: str
    home: str
    started_at: float = field(default_factory=time.time)
    owned: bool = False  # started by this process (stopped at exit unless `keep`)

    @property
    def record(self) -> Path: return _record_path(self.home, self.name)

    def is_alive(self) -> bool:
        "True if the recorded process still runs: same PID, start time and command line."
        ident = _proc_identity(self.pid)
        return ident is not None and abs(ident[0] - self.create_time) < 1e-3 and ident[1] == self.cmdline

    def is_healthy(self, timeout: float = 2.0) -> bool:
        "True if the server is alive and its health URL answers with a success status."
        return self.is_alive() and _http_ok(self.health_url, timeout)

    def stop(self, timeout: float|None = None) -> bool:
        "Stop the server's whole process group; False if it was not running."
        return stop_server(self, timeout=timeout)

    def log_tail(self, lines: int = 25) -> str: return log_tail(self.log, lines)

def _record_path(home, name): return config.paths(home).services / f"{name}.json"

def _http_ok(url, timeout=2.0):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r: return 200 <= r.status < 400
    except (urllib.error.URLError, OSError, ValueError): return False

def _write_record(srv):
    rec = {k: v for k, v in asdict(srv).items() if k != "owned"}
    tmp = srv.record.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(rec, indent=1)); os.replace(tmp, srv.record)

def read_record(name: str, # the server's name
                home: str|Path|None = None # the course home; None: COURSE_HOME, then the settings
               ) -> Server|None:
    "The recorded server called `name`, alive or not, or None if there is no record."
    f = _record_path(home, name)
    try: rec = json.loads(f.read_text())
    except FileNotFoundError: return None
    except (OSError, ValueError): f.unlink(missing_ok=True); return None
    return Server(**rec)
```

```python
_STARTED: dict = {}  # name -> (Server, Popen) started by this process

def _listens_on(pid, port):
    "True if the process `pid` or one of its descendants listens on `port`."
    import psutil
    try:
        root = psutil.Process(pid)
        for p in [root, *root.children(recursive=True)]:
            try:
                if any(c.laddr and c.laddr.port == port and c.status == psutil.CONN_LISTEN
                       for c in p.net_connections(kind="inet")): return True
            except (psutil.NoSuchProcess, psutil.AccessDenied): continue
    except psutil.NoSuchProcess: return False
    return False

def start_server(name: str, # a short name for the record and the log, e.g. "mlflow"
                 cmd: list, # the command; "{port}" and "{host}" are filled in
                 health: str = "/", # health URL or path, e.g. "/health"
                 port: int|None = None, # the port; a free one when None
                 home: str|Path|None = None, # the course home; None: COURSE_HOME, then the settings
                 env: dict|None = None, # extra environment variables for the server
                 cwd: str|Path|None = None, # working directory; the server's folder in the home when None
                 timeout: float|None = None, # seconds to wait for health; `[services] start_timeout` when None
                 keep: bool = False # keep it running when this interpreter exits
                ) -> Server:
    "Start a server in its own process group, wait until it is healthy, and record it in the home."
    if not name or not name.replace("-", "").replace("_", "").isalnum():
        raise ServiceError(f"server name {name!r} must be letters, digits, '-' or '_'")
    h = config.ensure_home(home)
    sdir = config.paths(h).services; sdir.mkdir(parents=True, exist_ok=True)
    old = read_record(name, h)
    if old is not None and old.is_alive():
        raise ServiceError(f"a server called {name!r} already runs (pid {old.pid}, {old.url}); "
                           f"reuse it with ensure_server or stop it with stop_server({name!r})")
    port = port or free_port()
    fill = lambda s: str(s).format(port=port, host="127.0.0.1")
    argv = [fill(a) for a in cmd]
    base = f"http://127.0.0.1:{port}"
    health_url = fill(health) if health.startswith("http") else base + (health if health.startswith("/") else "/" + health)
    log = sdir / f"{name}.log"
    timeout = timeout if timeout is not None else config.load_settings()["services"]["start_timeout"]
    wd = Path(cwd) if cwd else sdir / name
    wd.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        try:
            proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    cwd=wd, env={**os.environ, **(env or {})}, start_new_session=True)
        except OSError as e:
            raise ServiceError(f"cannot start {name!r}: {e} (command: {' '.join(argv)})") from None
    deadline = time.monotonic() + timeout
    while True:
        code = proc.poll()
        if code is not None:
            _kill_group(proc.pid, 0.5); proc.wait()
            raise ServiceError(f"server {name!r} exited with code {code} before it was healthy "
                               f"(command: {' '.join(argv)}). Last lines of {log}:\n{log_tail(log)}")
        if _http_ok(health_url, 1.0) and _listens_on(proc.pid, port): break
        if time.monotonic() > deadline:
            _kill_group(proc.pid, 2.0); proc.wait()
            raise ServiceError(f"server {name!r} did not answer {health_url} within {timeout:g} s "
                               f"(raise [services] start_timeout in settings.ini if the machine is slow). "
                               f"Last lines of {log}:\n{log_tail(log)}")
        time.sleep(0.2)
    ident = _proc_identity(proc.pid)
    if ident is None:
        raise ServiceError(f"server {name!r} vanished right after becoming healthy. Last lines of {log}:\n{log_tail(log)}")
    srv = Server(name=name, url=base, port=port, pid=proc.pid, create_time=ident[0], cmdline=ident[1],
                 health_url=health_url, log=str(log), home=str(h), owned=not keep)
    _write_record(srv)
    _STARTED[name, str(h)] = (srv, proc)
    return srv
```

```python
def _group_alive(pgid):
    try: os.killpg(pgid, 0); return True
    except ProcessLookupError: return False
    except PermissionError: return True

def _reap_children():
    for srv, proc in list(_STARTED.values()): proc.poll()

def _kill_group(pgid, timeout):
    "SIGTERM the group, wait up to `timeout` seconds, then SIGKILL what is left."
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try: os.killpg(pgid, sig)
        except ProcessLookupError: return
        deadline = time.monotonic() + (timeout if sig == signal.SIGTERM else 5)
        while time.monotonic() < deadline:
            _reap_children()
            if not _group_alive(pgid) or _only_zombies(pgid): return
            time.sleep(0.05)

def _only_zombies(pgid):
    import psutil
    for p in psutil.process_iter(["status"]):
        try:
            if os.getpgid(p.pid) == pgid and p.info["status"] != psutil.STATUS_ZOMBIE: return False
        except (ProcessLookupError, psutil.NoSuchProcess): continue
    return True

def stop_server(server: Server|str, # a Server, or the name of a recorded one
                home: str|Path|None = None, # the course home, when `server` is a name
                timeout: float|None = None # grace seconds before SIGKILL; `[services] stop_timeout` when None
               ) -> bool:
    "Stop a recorded server's process group after checking its identity; False if it was not running."
    srv = read_record(server, home) if isinstance(server, str) else server
    if srv is None: return False
    timeout = timeout if timeout is not None else config.load_settings()["services"]["stop_timeout"]
    running = srv.is_alive()
    if running: _kill_group(srv.pid, timeout)
    entry = _STARTED.pop((srv.name, str(srv.home)), None)
    if entry: entry[1].poll()
    rec = read_record(srv.name, srv.home)
    if rec is not None and rec.pid == srv.pid: rec.record.unlink(missing_ok=True)
    return running

def find_server(name: str, # the server's name
                home: str|Path|None = None # the course home; None: COURSE_HOME, then the settings
               ) -> Server|None:
    "The recorded server `name` if it is alive and healthy; a stale record is removed."
    srv = read_record(name, config.course_home(home))
    if srv is None: return None
    if not srv.is_alive():
        srv.record.unlink(missing_ok=True)
        return None
    return srv if _http_ok(srv.health_url) else None

def ensure_server(name: str, # the server's name
                  cmd: list, # the command, as for `start_server`
                  health: str = "/", # health URL or path
                  **kwargs # passed to `start_server`
                 ) -> Server:
    "Reuse the healthy server recorded as `name`, or start one."
    import fcntl
    h = config.ensure_home(kwargs.pop("home", None))
    lock = config.paths(h).services / f"{name}.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # two notebooks asking at once get one server
        srv = find_server(name, h)
        if srv is not None: return srv
        old = read_record(name, h)
        if old is not None: stop_server(old)  # alive but not healthy: replace it
        return start_server(name, cmd, health, home=h, **kwargs)

def list_servers(home: str|Path|None = None # the course home; None: COURSE_HOME, then the settings
                ) -> list:
    "Every server recorded in the home, with `alive` telling whether its process still runs."
    d = config.paths(home).services
    out = []
    for f in sorted(d.glob("*.json")) if d.is_dir() else []:
        srv = read_record(f.stem, home)
        if srv is not None: out.append((srv, srv.is_alive()))
    return out

def reap(home: str|Path|None = None, # the course home; None: COURSE_HOME, then the settings
         since: float = 0.0 # only servers started at or after this time.time()
        ) -> list:
    "Stop every recorded server started since `since`; return the names stopped."
    stopped = []
    for srv, alive in list_servers(home):
        if srv.started_at >= since:
            if stop_server(srv): stopped.append(srv.name)
            elif not alive: srv.record.unlink(missing_ok=True)
    return stopped

@atexit.register
def _stop_owned():
    for srv, proc in list(_STARTED.values()):
        if srv.owned:
            try: stop_server(srv, timeout=3)
            except Exception: pass
```"""

__version__ = "0.1.0"


class FreshSecondModules:
    """nbdev export processor: start each second module a notebook exports to (`#| export NAME`)
    from a fresh header, so re-running `nbdev-export` rewrites it instead of appending twice.
    Configured as `export_procs` in pyproject.toml; it imports nothing at module level."""
    def __init__(self, nb): self.nb = nb

    def begin(self):
        from pathlib import Path
        from nbdev.config import get_config
        targets = {c.directives_[d].split()[0] for c in self.nb.cells if getattr(c, "directives_", None)
                   for d in ("export", "exporti") if (c.directives_.get(d) or "").strip()}
        if not targets: return
        lib = Path(get_config().lib_path)
        src = Path(getattr(self.nb, "path_", "") or "")
        rel = f"../{get_config().nbs_path.name}/{src.name}" if src.name else "the notebooks"
        for name in targets:
            f = lib / (name.replace(".", "/") + ".py")
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(f"# AUTOGENERATED! DO NOT EDIT! File to edit: {rel}.\n\n# %% auto #0\n__all__ = []\n")

    def __call__(self, cell): return None

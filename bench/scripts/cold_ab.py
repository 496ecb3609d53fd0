"""Cold starts of bootstrap builds side by side: for each module, ROUNDS rounds that
alternate the builds (the order flips each round), each start timed from exec to the
first answered call (an FC `/invoke` with FC's headers, or `GET /` for `:http`), with
the server pinned to CPU 0 and this script on CPU 1. Prints the medians, the ratios to
the first build, and each build's median peak RSS (VmHWM after the first answer).

usage: python3 bench/scripts/cold_ab.py ROUNDS NAME=BOOTSTRAP[@DIR] ... -- MODULE[:http] ...

With `@DIR`, that build starts `DIR/MODULE` instead (an unpacked code.zip of its own,
say), so packages of two versions compare side by side.

Each MODULE is started as `bootstrap --module MODULE` with BOOTSTRAP_CACHE_DIR=none, so
a `.cwasm` beside it is what is mapped (as on FC), else the module is compiled.
"""
import os, socket, statistics, subprocess, sys, time
args = sys.argv[1:]
rounds = int(args.pop(0))
sep = args.index('--')
bins = [a.split('=', 1) for a in args[:sep]]
dirs = {name: b.partition('@')[2] for name, b in bins}
bins = [(name, b.partition('@')[0]) for name, b in bins]
modules = args[sep + 1:]
port = 9811
HEAD = ("POST /invoke HTTP/1.1\r\nHost: 127.0.0.1\r\nx-fc-request-id: r-1\r\n"
        "x-fc-function-name: f\r\nx-fc-function-handler: index.handler\r\nx-fc-function-memory: 512\r\n"
        "x-fc-function-timeout: 60\r\ncontent-type: application/octet-stream\r\ncontent-length: 2\r\n\r\nhi")
HTTP = ("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nx-fc-request-id: r-1\r\nx-fc-function-name: f\r\n"
        "x-fc-function-memory: 512\r\nx-fc-function-timeout: 60\r\n\r\n")
def once(binary, module, http):
    env = dict(os.environ, FC_SERVER_PORT=str(port), BOOTSTRAP_CACHE_DIR='none')
    t0 = time.perf_counter()
    p = subprocess.Popen(['taskset', '-c', '0', binary, '--module', module], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                s = socket.create_connection(('127.0.0.1', port), timeout=5)
                break
            except OSError:
                time.sleep(0.0005)
                if time.perf_counter() - t0 > 30: raise SystemExit('no start')
        s.sendall((HTTP if http else HEAD).encode())
        data = s.recv(65536)
        t = time.perf_counter() - t0
        status = data.split(b' ', 2)[1]
        s.close()
        hwm = 0
        for line in open(f'/proc/{p.pid}/status'):  # taskset execs in place
            if line.startswith('VmHWM:'): hwm = int(line.split()[1]) / 1024
        rss_all.setdefault(binary, []).append(hwm)
        return t * 1000, status
    finally:
        p.kill(); p.wait()
os.sched_setaffinity(0, {1})
rss_all = {}
for m in modules:
    path, _, kind = m.partition(':')
    times = {name: [] for name, _ in bins}
    for r in range(rounds):
        for name, b in (bins if r % 2 == 0 else bins[::-1]):
            t, st = once(b, os.path.join(dirs[name], path) if dirs[name] else path, kind == 'http')
            times[name].append(t)
    meds = {n: statistics.median(v) for n, v in times.items()}
    base = meds[bins[0][0]]
    print(os.path.basename(os.path.dirname(path)) + '/' + os.path.basename(path), ' '.join(f'{n}={v:.1f}ms' for n, v in meds.items()),
          ' '.join(f'{n}/{bins[0][0]}={v/base:.2f}' for n, v in meds.items() if n != bins[0][0]), f'status={st.decode()}', 'peakRSS ' + ' '.join(f'{n}={statistics.median(rss_all[b]):.1f}MiB' for n, b in bins))
    rss_all.clear()

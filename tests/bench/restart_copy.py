#!/usr/bin/env python3
"""Starts intentd on a fresh copy of a stored data directory and times it.

  restart_copy.py BINARY DATA_DIR [LABEL] [WRITE_PATH=log]

Copies DATA_DIR to a scratch directory, launches BINARY on the copy
(storage.sync true, the chain's blocks 600 s apart so that live intents stay
live), and reports the seconds from launch to the first 200 on /readyz, the
CPU (user + system) intentd had used by then and when the start-up log
showed the write log's replay and the chain journal's replay done (read
every 10 ms, as /readyz is), the load average, and the start-up log's
replay and recovery lines; then kills it with SIGKILL, so that every run
starts from the same state. Alternate two binaries on the
same DATA_DIR to compare them. Standard library only.

With PERF=FILE in the environment, `perf record -F 999 -g` is attached
(PERF_FREQ and PERF_CG, e.g. "--call-graph dwarf,16384", change it)
to intentd from launch to ready and writes FILE (the CPU figures then
include perf's overhead).
"""
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


def cpu_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        st = f.read().rsplit(")", 1)[1].split()
    return (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")


def memory_of(pid):
    with open(f"/proc/{pid}/status") as f:
        kb = {k: (v.split() or [""])[0] for k, v in
              (line.split(":", 1) for line in f if ":" in line)}
    with open(f"/proc/{pid}/stat") as f:
        minflt = int(f.read().rsplit(")", 1)[1].split()[7])
    return (f"VmRSS {int(kb['VmRSS']) // 1024} MB, VmHWM "
            f"{int(kb['VmHWM']) // 1024} MB, {minflt} minor faults")


def main():
    binary, src = sys.argv[1], sys.argv[2]
    label = sys.argv[3] if len(sys.argv) > 3 else os.path.basename(binary)
    write_path = sys.argv[4] if len(sys.argv) > 4 else "log"
    work = tempfile.mkdtemp(prefix="intentd-restart.")
    p = None
    try:
        shutil.copytree(src, os.path.join(work, "data"))
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        with open(os.path.join(work, "intentd.yaml"), "w") as f:
            f.write(f"""server:
  listen: "127.0.0.1:{port}"
storage:
  path: "{work}/data"
  sync: true
  write_path: {write_path}
rate_limits:
  enabled: false
chain:
  kind: simulated
  simulated:
    latency_ms: 600000
intents:
  max_live: 250000
logging:
  level: info
""")
        os.sync()
        log_path = os.path.join(work, "intentd.log")
        with open(log_path, "w") as log:
            t0 = time.time_ns()
            p = subprocess.Popen(
                [binary, "--config", os.path.join(work, "intentd.yaml")],
                stdout=log, stderr=log)
            perf = None
            if os.environ.get("PERF"):
                perf = subprocess.Popen(
                    ["perf", "record", "-F", os.environ.get("PERF_FREQ", "999")]
                    + os.environ.get("PERF_CG", "-g").split()
                    + ["-o", os.environ["PERF"], "-p", str(p.pid)],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            ready = None
            marks = {"write log replayed": None, "journal replayed": None}
            with open(log_path) as seen:
                text = ""
                while time.time_ns() - t0 < 300e9 and p.poll() is None:
                    text += seen.read()
                    for m in marks:
                        if marks[m] is None and m in text:
                            marks[m] = cpu_of(p.pid)
                    try:
                        c = http.client.HTTPConnection("127.0.0.1", port,
                                                       timeout=2)
                        c.request("GET", "/readyz")
                        if c.getresponse().status == 200:
                            ready = (time.time_ns() - t0) / 1e9
                            break
                    except OSError:
                        pass
                    time.sleep(0.01)
            if perf is not None:
                perf.send_signal(signal.SIGINT)
                perf.wait()
            cpu = None
            mem = ""
            if p.poll() is None:
                cpu = cpu_of(p.pid)
                mem = memory_of(p.pid)
                p.send_signal(signal.SIGKILL)
            p.wait()
        with open("/proc/loadavg") as f:
            load = " ".join(f.read().split()[:3])
        if ready is None:
            print(f"{label}: not ready; load {load}")
            return 1
        at = ", ".join(f"{v:.2f} s at '{m}'" for m, v in marks.items()
                       if v is not None)
        print(f"{label}: ready {ready:.2f} s after launch, CPU by ready "
              f"{cpu:.2f} s ({at}), {mem}, load average {load}")
        with open(log_path) as f:
            for line in f:
                if "replayed" in line or "recovered" in line:
                    print("   ", line.strip().split(" ", 2)[-1][:200])
        return 0
    finally:
        # Whatever failed above, intentd does not outlive the run.
        if p is not None and p.poll() is None:
            p.kill()
            p.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: `diagnostica dns --batch` against the local test DNS server, 20 ms per answer.

    python benchmarks/dns_batch.py                      # 2,000 domains (default concurrency), 250 sequential
    python benchmarks/dns_batch.py --domains 2000 --sequential 2000   # the full batch sequentially too (~3 min)

The server (tests/dnsserver.py) runs in this process and waits --delay
seconds before each answer, a stand-in for a resolver's round trip; the
command runs as a real subprocess.  Printed: domains per second with
--concurrency 1 and with the default, their ratio, and the peak memory of
the command for the batch and for a batch --memory-factor times larger
(streaming keeps it flat).  Each domain costs nine to eleven lookups: MX,
SRV, TXT, A, _dmarc TXT, _mta-sts TXT and the DKIM selector given for the
whole batch (CNAME) at once, then the SPF include (mx.ovh.com, served here),
the organisational domain's _dmarc and, for every 5th domain, the consent
of its external DMARC report destination and, for every 4th, _smtp._tls;
with --concurrency 1 the domains run one after the other.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from dnsserver import DnsServer  # noqa: E402

ZONE_HEAD = """$ORIGIN bench.test.
$TTL 3600
@ IN SOA ns1 hostmaster 1 7200 3600 1209600 3600
@ IN NS ns1
ns1 IN A 192.0.2.53
"""

OVH_ZONE = """$ORIGIN ovh.com.
$TTL 3600
@ IN SOA ns1 hostmaster 1 7200 3600 1209600 3600
@ IN NS ns1
ns1 IN A 192.0.2.53
mx IN TXT "v=spf1 ip4:192.0.2.0/24 ~all"
"""


#: Given to every domain of the batch (--fact): looked up at s1._domainkey.<domain>.
SELECTOR = "dkim.selectors=s1 CNAME s1._domainkey.1.ex.mail.ovh.net"


def zone_text(count: int) -> str:
    """Domain i: correct for most, a foreign MX for every 10th, no SRV for every 7th, no DKIM CNAME for
    every 3rd, DMARC reports sent outside for every 5th, an MTA-STS record for every 4th (varied findings)."""
    lines = [ZONE_HEAD]
    for i in range(count):
        name = f"d{i:06d}"
        mx = "mx.provider.example." if i % 10 == 0 else "mx0.mail.ovh.net."
        lines.append(f"{name} IN MX 1 {mx}\n{name} IN TXT \"v=spf1 include:mx.ovh.com ~all\"\n")
        if i % 7:
            lines.append(f"_autodiscover._tcp.{name} IN SRV 0 0 443 ex2.mail.ovh.net.\n")
        if i % 3:
            lines.append(f"s1._domainkey.{name} IN CNAME s1._domainkey.1.ex.mail.ovh.net.\n")
        if i % 5 == 0:
            lines.append(f"_dmarc.{name} IN TXT \"v=DMARC1; p=none; rua=mailto:d@reports.example\"\n")
        if i % 4 == 0:
            lines.append(f"_mta-sts.{name} IN TXT \"v=STSv1; id=1\"\n_smtp._tls.{name} IN TXT \"v=TLSRPTv1; "
                         f"rua=mailto:tls@{name}.bench.test\"\n")
    return "".join(lines)


def command() -> list[str]:
    script = Path(sys.executable).parent / "diagnostica"
    return [str(script)] if script.exists() else [sys.executable, "-m", "diagnostica.cli.main"]


def run_batch(server: DnsServer, count: int, workdir: Path, concurrency: int | None) -> tuple[float, int, int, float]:
    """(seconds, lines written, peak RSS in KiB, CPU seconds) of one batch run."""
    domains = workdir / f"domains-{count}.txt"
    domains.write_text("".join(f"d{i:06d}.bench.test\n" for i in range(count)), encoding="utf-8")
    args = [*command(), "dns", "--batch", str(domains), "--nameserver", server.address,
            "--offer", "hosted", "--pop-imap", "none", "--fact", SELECTOR]
    if concurrency is not None:
        args += ["--concurrency", str(concurrency)]
    out = workdir / "out.jsonl"
    with open(out, "wb") as sink:
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=sink, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        sys.exit(f"batch failed with exit code {proc.returncode}")
    with open(out, "rb") as written:
        lines = sum(1 for _ in written)
    if lines != count:
        sys.exit(f"expected {count} results, got {lines}")
    return elapsed, lines, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--domains", type=int, default=2000, help="domains in the batch (default 2000)")
    parser.add_argument("--sequential", type=int, default=250,
                        help="domains for the --concurrency 1 run (default 250: its rate, not its length, matters)")
    parser.add_argument("--delay", type=float, default=0.020, help="server delay before each answer, seconds")
    parser.add_argument("--memory-factor", type=int, default=4, help="size of the second batch for the memory check")
    options = parser.parse_args()

    largest = options.domains * options.memory_factor
    server = DnsServer(delay=options.delay)
    built = time.perf_counter()
    server.add_zone_text(zone_text(max(largest, options.sequential)))
    # The include every domain's SPF record names, so the SPF walk makes a real lookup.
    server.add_zone_text(OVH_ZONE)
    print(f"zone: {max(largest, options.sequential)} domains built in {time.perf_counter() - built:.1f} s; "
          f"server delay {options.delay * 1000:.0f} ms per answer")
    with server, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        seq_time, seq_count, _, _ = run_batch(server, options.sequential, workdir, 1)
        par_time, par_count, par_rss, par_cpu = run_batch(server, options.domains, workdir, None)
        big_time, big_count, big_rss, _ = run_batch(server, largest, workdir, None)
    seq_rate, par_rate, big_rate = seq_count / seq_time, par_count / par_time, big_count / big_time
    print(f"--concurrency 1 : {seq_count:6d} domains in {seq_time:7.2f} s = {seq_rate:8.1f} domains/s")
    print(f"default (64)    : {par_count:6d} domains in {par_time:7.2f} s = {par_rate:8.1f} domains/s "
          f"(command CPU {par_cpu:.1f} s, {par_cpu / par_count * 1000:.1f} ms per domain)")
    print(f"ratio default / sequential: {par_rate / seq_rate:.1f}x (target >= 20x)")
    print(f"peak memory: {par_rss / 1024:.1f} MiB for {par_count} domains, {big_rss / 1024:.1f} MiB for "
          f"{big_count} domains ({big_rate:.1f} domains/s); ratio {big_rss / par_rss:.2f} (flat = about 1)")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
          "(other work on the machine lowers the default's rate, not the sequential one's)")


if __name__ == "__main__":
    main()

import sys, re
import qemu_harness as h
smp = int(sys.argv[1]) if len(sys.argv) > 1 else 0
extra = sys.argv[2:] 
r = h.run_koan('koan_evtchn_probe', h.koan_guest('dom0', 'expect-role=dom0', 'suite=evtchn', 'expect-vcpus=2', *extra, options=['vcpus=2']), smp=smp, timeout=120)
for l in r.lines():
    if re.search(r'(ok \d|not ok|# |summary|koan:|FATAL|crash)', l): print(l)
print(r)

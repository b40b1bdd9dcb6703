import sys, harness
name, words = sys.argv[1], sys.argv[2]
guest = harness.build_guest(name)
monitor = harness.build_monitor(name, guest)
with harness.Console(harness.qemu_command(name, monitor, append=words + " -- ")) as c:
    try:
        c.expect(r"halted", timeout=int(sys.argv[3]) if len(sys.argv) > 3 else 60, partial=True)
    except Exception as e:
        print("EXC", e)
    print(c.transcript if hasattr(c, "transcript") else "")

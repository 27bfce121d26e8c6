#!/bin/busybox sh
# init.sh — /init of the factory's guest (the KVM *host* that gets dumped).
# Console (kernel log) is ttyS0; machine-readable results go to ttyS1 as lines
#   KVMT <key> <value...>
# which the host side (scenario.sh) parses: module sections for gdb's add-symbol-file,
# the kernel's _text (KASLR), refvmm's stdout, its manifest (base64 of gzip) and READY.
# kdump scenarios (KDUMP_ARGS set): before the workload, load /boot/vmlinuz as the
# capture kernel (kexec -p, initramfs /boot/capture.gz).  When this init runs in the
# capture kernel (/proc/vmcore exists) it only writes makedumpfile's flattened output
# to the disk /dev/nvme0n1 and reboots (QEMU runs with -no-reboot, so it exits).
/bin/busybox --install -s /bin
export PATH=/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mkdir -p /tmp && mount -t tmpfs tmp /tmp
stty -F /dev/ttyS1 raw -echo 2>/dev/null
out() { echo "KVMT $*" > /dev/ttyS1; }
. /scenario.env            # REFVMM_ARGS, SCENARIO, KDUMP_ARGS
if [ -e /proc/vmcore ]; then
  out CAPTURE "$(uname -r)" "$(stat -c %s /proc/vmcore 2>/dev/null)"
  # The flattened stream goes to the NVMe disk QEMU gives kdump scenarios (a serial
  # port moves ~40 KB/s under a loaded TCG host; the disk is DMA).
  i=0; while [ ! -b /dev/nvme0n1 ] && [ $i -lt 60 ]; do sleep 1; i=$((i+1)); done
  makedumpfile -F $KDUMP_ARGS /proc/vmcore > /dev/nvme0n1 2>/tmp/mdf.err
  rc=$?
  sync
  sed 's/^/KVMT MAKEDUMPFILE /' /tmp/mdf.err > /dev/ttyS1
  out CAPTURED "$rc"
  sleep 1
  reboot -f
fi
out BOOT "$SCENARIO" "$(uname -r)"
dmesg -n 1                 # keep the console quiet while we talk on ttyS1
ulimit -n 65536           # a vCPU is a file descriptor: scale runs 1,024 of them
for m in $(cat /lib/modules/order 2>/dev/null); do
  # kvm_amd: nested=1 is the default; nothing special needed.
  insmod "/lib/modules/$m.ko" || out ERROR "insmod $m failed"
done
for mod in kvm kvm_amd; do
  for s in .text .data .bss; do
    [ -r /sys/module/$mod/sections/$s ] && out SECTION $mod $s "$(cat /sys/module/$mod/sections/$s)"
  done
done
out TEXT "$(grep -m1 ' _text$' /proc/kallsyms | cut -d' ' -f1)"
out CMDLINE "$(cat /proc/cmdline)"
[ -c /dev/kvm ] || out ERROR "no /dev/kvm"
if [ -n "${KDUMP_ARGS:-}" ]; then
  # The capture kernel: one CPU, no KASLR, devices reset, panic -> reboot (QEMU exits).
  kx=
  if [ ! -e /proc/kcore ] && [ -s /boot/kcore ]; then
    # No /proc/kcore (reference kernel): kexec runs in a chroot of / whose /proc holds
    # copies of what kexec reads (iomem, kallsyms, cmdline) and the factory's kcore header.
    mkdir -p /kx && mount --bind / /kx && mount -t tmpfs kx /kx/proc && mount --bind /sys /kx/sys \
      && mount --bind /dev /kx/dev && cp /proc/iomem /proc/kallsyms /proc/cmdline /kx/proc/ \
      && cp /boot/kcore /kx/proc/kcore && kx="chroot /kx"
  fi
  if $kx kexec -p /boot/vmlinuz --initrd=/boot/capture.gz \
       --append="console=ttyS0 nokaslr nr_cpus=1 irqpoll reset_devices panic=-1" > /tmp/kexec.out 2>&1; then
    out KEXEC loaded "$(cat /sys/kernel/kexec_crash_loaded 2>/dev/null)" "$(cat /sys/kernel/kexec_crash_size 2>/dev/null)"
  else
    out ERROR "kexec -p failed: $(tr '\n' ' ' < /tmp/kexec.out)"
  fi
  out NMIPANIC "$(cat /proc/sys/kernel/unknown_nmi_panic 2>/dev/null)"
  out WATCHDOG "$(cat /proc/sys/kernel/nmi_watchdog 2>/dev/null)" "$(cat /proc/sys/kernel/watchdog 2>/dev/null)"
fi
if [ -x /refvmm-static ]; then
  out RUN /refvmm-static $REFVMM_ARGS --manifest /tmp/manifest.json
  /refvmm-static $REFVMM_ARGS --manifest /tmp/manifest.json > /tmp/refvmm.out 2>&1 &
  pid=$!
  i=0
  until grep -qx 'refvmm: ready' /tmp/refvmm.out 2>/dev/null; do
    if ! kill -0 $pid 2>/dev/null; then out ERROR "refvmm exited"; break; fi
    i=$((i+1)); [ $i -gt ${READY_TIMEOUT:-600} ] && { out ERROR "refvmm not ready"; break; }
    sleep 1
  done
  sed 's/^/KVMT REFVMM /' /tmp/refvmm.out > /dev/ttyS1
  if [ -s /tmp/manifest.json ]; then
    gzip -c /tmp/manifest.json | base64 | sed 's/^/KVMT MANIFEST /' > /dev/ttyS1
  fi
else
  out ERROR "no /refvmm-static in initramfs"
fi
out READY
# Stay alive; the host side dumps us and kills QEMU.  Meanwhile report once a second how
# many VMs exist (open kvm-vm file descriptors), so the host dumps only a live workload,
# and anything refvmm says after "ready" (e.g. why it exited).
n=$(wc -l < /tmp/refvmm.out 2>/dev/null || echo 0)
while :; do
  vms=$(ls -l /proc/[0-9]*/fd 2>/dev/null | grep -c 'anon_inode:kvm-vm')
  out ALIVE "$vms"
  m=$(wc -l < /tmp/refvmm.out 2>/dev/null || echo 0)
  [ "$m" -gt "$n" ] && { sed -n "$((n+1)),${m}p" /tmp/refvmm.out | sed 's/^/KVMT REFVMM /' > /dev/ttyS1; n=$m; }
  sleep 1
done

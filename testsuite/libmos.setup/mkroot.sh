#!/bin/sh
# mkroot.sh DIR -- build the fake /sys, /proc and /run that setup.exp runs
# mos-setup --root DIR against.  Plain files stand in for sysfs attributes
# (a write just becomes the file's content) and relative symlinks stand in
# for the kernel's driver, iommu_group and device links.
#
#   node0: 2048kB and 1048576kB pages; node1: 2048kB only
#   0000:03:00.0  ixgbe      IOMMU group 12 (with 03:00.1)  eth0, down
#   0000:03:00.1  no driver  IOMMU group 12
#   0000:04:00.0  mlx5_core  IOMMU group 13                 (bifurcated)
#   0000:05:00.0  igb        IOMMU group 14 (with 05:00.1 on igb)
#   0000:05:00.1  igb        IOMMU group 14
#   0000:06:00.0  ixgbe      IOMMU group 15                 eth6, up
#   0000:07:00.0  ixgbe      IOMMU group 16 (with bridge 00:1c.0 on pcieport)
#   0000:00:1c.0  pcieport   IOMMU group 16
#   0000:08:00.0  ixgbe      no IOMMU group
set -e
r=$1
test -n "$r" || { echo "usage: mkroot.sh DIR" >&2; exit 2; }
rm -rf "$r"
mkdir -p "$r/run" "$r/proc" "$r/sys/module/vfio_pci"

huge() {	# node size_kb nr
	d=$r/sys/devices/system/node/node$1/hugepages/hugepages-$2kB
	mkdir -p "$d"
	echo "$3" >"$d/nr_hugepages"
	echo "$3" >"$d/free_hugepages"
}
huge 0 2048 0
huge 0 1048576 0
huge 1 2048 0

mkdir -p "$r/sys/bus/pci/devices"
: >"$r/sys/bus/pci/drivers_probe"
for drv in ixgbe igb mlx5_core vfio-pci pcieport; do
	mkdir -p "$r/sys/bus/pci/drivers/$drv"
	: >"$r/sys/bus/pci/drivers/$drv/bind"
	: >"$r/sys/bus/pci/drivers/$drv/unbind"
done

dev() {		# address driver|- group|-
	d=$r/sys/bus/pci/devices/$1
	mkdir -p "$d"
	echo "(null)" >"$d/driver_override"
	if [ "$2" != - ]; then
		ln -s "../../../../bus/pci/drivers/$2" "$d/driver"
	fi
	if [ "$3" != - ]; then
		mkdir -p "$r/sys/kernel/iommu_groups/$3/devices"
		ln -s "../../../../kernel/iommu_groups/$3" "$d/iommu_group"
		ln -s "../../../../bus/pci/devices/$1" \
			"$r/sys/kernel/iommu_groups/$3/devices/$1"
	fi
}
dev 0000:03:00.0 ixgbe 12
dev 0000:03:00.1 - 12
dev 0000:04:00.0 mlx5_core 13
dev 0000:05:00.0 igb 14
dev 0000:05:00.1 igb 14
dev 0000:06:00.0 ixgbe 15
dev 0000:07:00.0 ixgbe 16
dev 0000:00:1c.0 pcieport 16
dev 0000:08:00.0 ixgbe -

netif() {	# name address operstate
	mkdir -p "$r/sys/class/net/$1"
	ln -s "../../../bus/pci/devices/$2" "$r/sys/class/net/$1/device"
	echo "$3" >"$r/sys/class/net/$1/operstate"
}
netif eth0 0000:03:00.0 down
netif eth6 0000:06:00.0 up
mkdir -p "$r/sys/class/net/lo"
echo unknown >"$r/sys/class/net/lo/operstate"

cat >"$r/proc/mounts" <<MOUNTS
sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
hugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0
MOUNTS

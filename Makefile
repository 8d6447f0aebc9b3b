# SPDX-License-Identifier: GPL-2.0-only
#
# idxd_ims: out-of-tree module build, plus the VM test platform.

KDIR ?= /lib/modules/$(shell uname -r)/build
PWD := $(shell pwd)

# make check T=<test>[,<test>...] runs some kselftests; SETUP=vtdpasid|guest|noiommu|noopt|vtd one VM setup.
T ?=
SETUP ?=
# make bench B=<bench>[,<bench>...] runs some benchmarks (bench_guest, ...);
# B=bench_profile boots the profiling kernel (kernel/idxd_ims-trace.config).
B ?=
# make fuzz FUZZ=SECONDS[:SEED] fuzzes a virtual device's guest interface.
FUZZ ?= 600
# make stress STRESS=SECONDS runs the concurrency stress test that long.
STRESS ?= 600
# make check KASAN=1 runs on the KASAN variant of the test kernel.
KASAN ?=

.PHONY: all modules modules_install clean help check run bench fuzz stress faults shell lint deps

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(PWD) modules

modules_install:
	$(MAKE) -C $(KDIR) M=$(PWD) modules_install

clean:
	$(MAKE) -C $(KDIR) M=$(PWD) clean 2>/dev/null || \
		find . -name '*.o' -o -name '*.ko' -o -name '*.mod*' \
			-o -name '.*.cmd' -o -name 'modules.order' \
			-o -name 'Module.symvers' | xargs rm -f

deps:
	scripts/install-deps.sh

lint:
	scripts/lint.sh

check:
	IDXD_IMS_KASAN="$(KASAN)" scripts/check.sh T="$(T)" SETUP="$(SETUP)"

run:
	scripts/vm.sh run $(SETUP)

bench:
	IDXD_IMS_BENCH="$(B)" scripts/vm.sh bench $(SETUP)

fuzz:
	IDXD_IMS_FUZZ="$(FUZZ)" \
	IDXD_IMS_VM_TIMEOUT=$$(( $(firstword $(subst :, ,$(FUZZ))) + 1200 )) \
		scripts/check.sh T=test_mdev_fuzz.sh SETUP="$(or $(SETUP),vtd)"

stress:
	IDXD_IMS_KASAN="$(KASAN)" IDXD_IMS_STRESS="$(STRESS)" \
	IDXD_IMS_VM_TIMEOUT=$$(( $(STRESS) + 1200 )) \
		scripts/check.sh T=test_stress.sh SETUP="$(or $(SETUP),vtd)"

# every slab allocation of test_fault_injection.sh's steps, not only the
# kmalloc family's (Documentation/testing.rst)
faults:
	IDXD_IMS_FAULTS=all IDXD_IMS_VM_TIMEOUT=3600 \
		scripts/check.sh T=test_fault_injection.sh SETUP="$(or $(SETUP),vtd)"

shell:
	scripts/vm.sh shell $(SETUP)

help:
	@echo 'idxd_ims: IMS-based driver for Intel DSA/IAX accelerators'
	@echo
	@echo 'Module (on a machine with a DSA and a kernel with PCI/IMS):'
	@echo '  make [KDIR=<kernel build dir>]   build idxd_ims/idxd_ims.ko'
	@echo '  make modules_install             install it into /lib/modules'
	@echo '  make clean                       remove build products'
	@echo
	@echo 'Test platform (Debian 12, as root; installs what it needs):'
	@echo '  make check [T=<test>[,...]] [SETUP=vtdpasid|guest|noiommu|noopt|vtd]'
	@echo '                                   lint, build kernel+QEMU, run all tests'
	@echo '  make check KASAN=1               the same on a KASAN kernel'
	@echo '  make run                         demo workload in the VM'
	@echo '  make bench [B=<bench>[,...]]     benchmarks in the VM'
	@echo '  make fuzz [FUZZ=SECONDS[:SEED]]  fuzz a virtual device (default 600 s)'
	@echo '  make stress [STRESS=SECONDS]     concurrency stress test (default 600 s)'
	@echo '  make faults                      fault injection into every slab cache'
	@echo '  make shell                       a shell in the VM, driver loaded'
	@echo '  make lint                        checkpatch, sparse, kernel-doc'
	@echo '  make deps                        only install the Debian packages'

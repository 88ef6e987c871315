# Fathom: board description -> network-boot Linux appliance.
# `make` builds the default board; `make check` proves it. `make help`.
#
# The rules live in mk/: config.mk (board, output, flags), lib.mk (the
# shared layer lib/), target.mk (/init and netcfg), host.mk (host tools),
# image.mk (the image and what is published with it), tests.mk (unit, fuzz,
# check, bench; it includes services/*/service.mk).

.DEFAULT_GOAL := all
include mk/config.mk
include mk/lib.mk
include mk/target.mk
include mk/host.mk
include mk/image.mk
include mk/update.mk
include mk/tests.mk

.PHONY: all help run clean
all: $(OUT)/SHA256SUMS.sig
	$(Q)scripts/summary "$(OUT)" "$(INIT_BIN)"

help:
	@echo 'Targets:'
	@echo '  all (default)  build $$(O)/$$(BOARD)/: vmlinuz, initramfs.cpio.zst, manifest.json, fathom.pub,'
	@echo '                 SHA256SUMS and SHA256SUMS.sig (signed with the key from make keys); update/: the'
	@echo '                 signed update bundle for installed machines (UPDATE_KEY=FILE, default a key made'
	@echo '                 once in $${XDG_CACHE_HOME:-~/.cache}/fathom/update.key)'
	@echo '  keys           create the signing key in $$FATHOM_KEYS (default ~/.config/fathom/keys) if absent'
	@echo '  verify         check $$(O)/$$(BOARD)/ before publishing: signature, checksums, nothing unlisted,'
	@echo '                 no symlinks, machines/ made for this image (scripts/verify --pubkey FILE DIR)'
	@echo '  check          all tests: unit (ASan/UBSan), fuzz smoke, build (bats), QEMU boot'
	@echo '  check-quick    the tests that need no QEMU boot'
	@echo '  run            boot the image in QEMU, serial console on this terminal (ctrl-a x quits)'
	@echo '  fuzz           run every libFuzzer target for FUZZ_SECONDS (default 300) each, inputs up to'
	@echo '                 FUZZ_MAX_LEN (65536) bytes; FUZZ_RUN="fuzz_x ..." picks targets; the corpus grows'
	@echo '                 in $$(O)/fuzz-corpus/ between runs. Overnight: make fuzz FUZZ_RUN=fuzz_inventory FUZZ_SECONDS=28800'
	@echo '  bench          init and boot-time benchmarks (bench/init, bench/boot)'
	@echo '  machines       $$(O)/$$(BOARD)/machines/<host>/{boot.ipxe,network.conf,config.cpio}'
	@echo '                 from INVENTORY=file.csv|file.json, BASE_URL=http://host/path;'
	@echo '                 MEDIA="usb iso ipxe-usb ipxe-iso": also fathom.img, fathom.iso, ipxe.img, ipxe.iso;'
	@echo '                 MEDIA=installer: installer.img, a stick that installs onto the install_disk column'
	@echo '  deps           install the Debian packages the build and tests need (root)'
	@echo '  clean          remove $$(O) (the download cache in $${XDG_CACHE_HOME:-~/.cache}/fathom stays)'
	@echo 'Variables: BOARD=$(BOARD) (boards: $(notdir $(wildcard boards/*))), O=$(O), V=1 (show commands),'
	@echo '  CMDLINE="..." (extra kernel arguments for run)'

run: all
	scripts/qemu-run --kernel $(OUT)/vmlinuz --initrd $(OUT)/initramfs.cpio.zst \
		--board $(BOARD_DIR) -- $(CMDLINE)

clean:
	$(quiet) CLEAN "$(O)"
	$(Q)rm -rf $(O)

# Header dependencies, written by the compiler next to each object.
-include $(shell find $(O)/build -name '*.d' 2>/dev/null)

# Fathom: board description -> network-boot Linux appliance.
# `make` builds the default board; `make check` proves it. `make help`.

BOARD ?= qemu-x86_64
O ?= out
V ?= 0

# BOARD_DIR=DIR: a board kept outside boards/ (named BOARD in $(O)).
BOARD_DIR ?= boards/$(BOARD)
BUILD := $(O)/build/$(BOARD)
HOSTBUILD := $(O)/build/host
OUT := $(O)/$(BOARD)

ifeq ($(wildcard $(BOARD_DIR)/board.conf),)
$(error BOARD=$(BOARD): no $(BOARD_DIR)/board.conf; boards: $(notdir $(wildcard boards/*)))
endif

ifeq ($(V),1)
Q :=
quiet = @true
else
Q := @
quiet = @printf '  %-7s %s\n'
endif

# Reproducible by default: all mtimes in the image come from here.
SOURCE_DATE_EPOCH ?= $(or $(shell git log -1 --format=%ct 2>/dev/null),0)
export SOURCE_DATE_EPOCH

WARN := -Wall -Wextra -Werror
STD := -std=c11 -D_DEFAULT_SOURCE
HOSTCC ?= gcc
HOST_CFLAGS := $(STD) $(WARN) -O2
SAN_CFLAGS := $(STD) $(WARN) -g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all

# PID 1 and netcfg: static musl, libnl-route built from Debian's source.
TARGET_CC := musl-gcc
LIBNL := $(O)/build/libnl
KINC := $(O)/build/kinc
TARGET_CFLAGS := $(STD) $(WARN) -Os -ffunction-sections -fdata-sections \
	-I$(KINC) -I$(LIBNL)/include/libnl3 -Inetcfg -Iinit
TARGET_LDFLAGS := -static -s -Wl,--gc-sections
TARGET_LIBS := $(LIBNL)/lib/libnl-route-3.a $(LIBNL)/lib/libnl-3.a -lpthread

NETCFG_SRCS := netcfg/cmdline.c netcfg/select.c netcfg/log.c netcfg/link.c \
	netcfg/addr.c netcfg/apply.c netcfg/media.c
INIT_SRCS := init/main.c init/log.c init/mount.c init/modules.c init/service.c \
	init/supervise.c init/shutdown.c init/shutdown_fsm.c init/power.c init/params.c init/watchdog.c init/shell.c init/network.c \
	init/coldplug.c init/modalias.c init/file.c init/ipmi.c init/ipmi_msg.c init/ipmi_lan.c \
	init/ipmi_bmc.c init/child.c init/watch.c init/output.c init/clock.c \
	netcfg/cmdline.c # the pure command-line tokenizer params.c uses (for lib/)
INIT_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(INIT_SRCS))
INIT_BIN := $(BUILD)/init
NETCFG_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(NETCFG_SRCS) netcfg/main.c \
	init/file.c init/modules.c init/clock.c)
NETCFG_BIN := $(BUILD)/netcfg

MKCPIO := $(HOSTBUILD)/mkcpio
MKMACHINES := $(HOSTBUILD)/mkmachines

# Every file of $(OUT) but SHA256SUMS and its signature: a new artifact goes
# here, or scripts/verify reports it as unlisted.
IPXE_BINS := ipxe.efi snponly.efi undionly.kpxe ipxe.lkrn
ARTIFACTS := $(OUT)/vmlinuz $(OUT)/initramfs.cpio.zst $(OUT)/manifest.json $(OUT)/fathom.pub \
	$(OUT)/fathom.img $(OUT)/fathom.iso $(addprefix $(OUT)/ipxe/,$(IPXE_BINS))

# The operator's signing key, outside the work tree (scripts/keys).
FATHOM_KEYS := $(or $(FATHOM_KEYS),$(or $(XDG_CONFIG_HOME),$(HOME)/.config)/fathom/keys)
export FATHOM_KEYS
SIGNING_KEY := $(FATHOM_KEYS)/fathom.key
SIGNING_PUB := $(FATHOM_KEYS)/fathom.pub

.PHONY: all keys verify deps check check-quick run help clean unit fuzz fuzz-build bench
.DEFAULT_GOAL := all

all: $(OUT)/SHA256SUMS.sig
	$(Q)scripts/summary "$(OUT)" "$(INIT_BIN)"

help:
	@echo 'Targets:'
	@echo '  all (default)  build $$(O)/$$(BOARD)/: vmlinuz, initramfs.cpio.zst, manifest.json, fathom.pub,'
	@echo '                 SHA256SUMS and SHA256SUMS.sig (signed with the key from make keys)'
	@echo '  keys           create the signing key in $$FATHOM_KEYS (default ~/.config/fathom/keys) if absent'
	@echo '  verify         check $$(O)/$$(BOARD)/ before publishing: signature, checksums, nothing unlisted'
	@echo '  check          all tests: unit (ASan/UBSan), fuzz smoke, build (bats), QEMU boot'
	@echo '  check-quick    the tests that need no QEMU boot'
	@echo '  run            boot the image in QEMU, serial console on this terminal (ctrl-a x quits)'
	@echo '  fuzz           run every libFuzzer target for FUZZ_SECONDS (default 300) each'
	@echo '  bench          init and boot-time benchmarks (bench/init, bench/boot)'
	@echo '  machines       $$(O)/$$(BOARD)/machines/<host>/{boot.ipxe,network.conf,config.cpio}'
	@echo '                 from INVENTORY=file.csv|file.json, BASE_URL=http://host/path;'
	@echo '                 MEDIA="usb iso ipxe-usb ipxe-iso": also fathom.img, fathom.iso, ipxe.img, ipxe.iso'
	@echo '  deps           install the Debian packages the build and tests need (root)'
	@echo '  clean          remove $$(O) (the download cache in $${XDG_CACHE_HOME:-~/.cache}/fathom stays)'
	@echo 'Variables: BOARD=$(BOARD) (boards: $(notdir $(wildcard boards/*))), O=$(O), V=1 (show commands),'
	@echo '  CMDLINE="..." (extra kernel arguments for run)'

deps:
	$(Q)scripts/deps

# Third-party parts, built once per version in the cache, linked here.
$(LIBNL): | deps
	$(quiet) LIBNL "$$(scripts/build-libnl | cut -d' ' -f1)"
	$(Q)mkdir -p $(dir $@) && ln -sfn "$$(scripts/build-libnl | cut -d' ' -f2)" $@

# musl has no kernel headers; libnl's headers include them.
$(KINC):
	$(Q)mkdir -p $@
	$(Q)ln -sfn /usr/include/linux $@/linux
	$(Q)ln -sfn /usr/include/x86_64-linux-gnu/asm $@/asm
	$(Q)ln -sfn /usr/include/asm-generic $@/asm-generic

$(BUILD)/obj/%.o: %.c $(wildcard init/*.h netcfg/*.h) | $(LIBNL) $(KINC) deps
	$(quiet) CC "$<"
	$(Q)mkdir -p $(dir $@) && $(TARGET_CC) $(TARGET_CFLAGS) -c $< -o $@

$(INIT_BIN): $(INIT_OBJS)
	$(quiet) LD "$@"
	$(Q)$(TARGET_CC) $(TARGET_LDFLAGS) -o $@ $(INIT_OBJS)

# The netcfg tool: in the image (/usr/sbin/netcfg) and for the build host.
$(NETCFG_BIN): $(NETCFG_OBJS)
	$(quiet) LD "$@"
	$(Q)$(TARGET_CC) $(TARGET_LDFLAGS) -o $@ $(NETCFG_OBJS) $(TARGET_LIBS)

$(MKCPIO): image/mkcpio.c image/cpio.c image/cpio.h | deps
	$(quiet) HOSTCC "$@"
	$(Q)mkdir -p $(dir $@) && $(HOSTCC) $(HOST_CFLAGS) -Iimage -o $@ image/mkcpio.c image/cpio.c

$(MKMACHINES): image/mkmachines.c image/inventory.c image/inventory.h image/cpio.c image/cpio.h \
		init/params.c init/params.h \
		netcfg/cmdline.c netcfg/config.h | deps
	$(quiet) HOSTCC "$@"
	$(Q)mkdir -p $(dir $@) && $(HOSTCC) $(HOST_CFLAGS) -Iimage -Inetcfg -Iinit -o $@ image/mkmachines.c \
		image/inventory.c image/cpio.c netcfg/cmdline.c init/params.c

# Per-machine boot files (README, Machines). A .json inventory (an array of
# objects with the CSV's column names as keys) is converted to CSV first.
BOARD_CMDLINE = $(shell sed -n 's/^CMDLINE=//p' $(BOARD_DIR)/board.conf)
JSON_TO_CSV = (map(keys) | add | unique) as $$k | ($$k | @csv), (.[] | [ .[$$k[]] | if . == null then "" else tostring end ] | @csv)
INVENTORY_CSV = $(if $(filter %.json,$(INVENTORY)),$(BUILD)/inventory.csv,$(INVENTORY))
machines: $(MKMACHINES) $(SIGNING_KEY) $(if $(MEDIA),$(OUT)/initramfs.cpio.zst)
	$(Q)[ -n "$(INVENTORY)" ] && [ -n "$(BASE_URL)" ] || \
		{ echo "make machines: set INVENTORY=FILE.csv|FILE.json and BASE_URL=http://HOST/PATH" >&2; exit 2; }
ifneq ($(filter %.json,$(INVENTORY)),)
	$(quiet) JQ "$(INVENTORY_CSV)"
	$(Q)mkdir -p $(BUILD) && jq -r '$(JSON_TO_CSV)' "$(INVENTORY)" > "$(INVENTORY_CSV).tmp" && \
		mv "$(INVENTORY_CSV).tmp" "$(INVENTORY_CSV)"
endif
	$(quiet) GEN "$(OUT)/machines"
	$(Q)mkdir -p $(OUT) && $(MKMACHINES) -o $(OUT)/machines -b "$(BASE_URL)" \
		-c "$(BOARD_CMDLINE)" -l $(BUILD)/machines.list "$(INVENTORY_CSV)"; rc=$$?; \
	for kind in $(MEDIA); do \
		case $$kind in usb) f=fathom.img ;; iso) f=fathom.iso ;; ipxe-usb) f=ipxe.img ;; ipxe-iso) f=ipxe.iso ;; \
		*) echo "make machines: MEDIA: $$kind: expected usb, iso, ipxe-usb or ipxe-iso" >&2; exit 2 ;; esac; \
		for d in $$(cat $(BUILD)/machines.list); do \
			m=$(OUT)/machines/$$d; \
			$(if $(filter 1,$(V)),,printf '  %-7s %s\n' MEDIA "$$m/$$f";) \
			image/mkmedia --conf $$m/network.conf --ipxe $$m/boot.ipxe $$kind $$m/$$f \
				$(BOARD_DIR) $(OUT) $(BUILD) || exit 1; \
		done; \
	done; \
	$(if $(filter 1,$(V)),,printf '  %-7s %s\n' SIGN "$(OUT)/machines/SHA256SUMS.sig";) \
	(cd $(OUT)/machines && find . -mindepth 2 -maxdepth 2 -type f | sed 's|^\./||' | LC_ALL=C sort | \
		xargs -r sha256sum > SHA256SUMS.tmp && mv SHA256SUMS.tmp SHA256SUMS) && \
	openssl pkeyutl -sign -inkey $(SIGNING_KEY) -rawin -in $(OUT)/machines/SHA256SUMS \
		-out $(OUT)/machines/SHA256SUMS.sig || exit 1; \
	exit $$rc

# Any board's overlay: a board may use another's (OVERLAYS in board.conf).
BOARD_FILES := $(BOARD_DIR)/board.conf $(shell find boards/*/overlay -type f 2>/dev/null)

# Rebuild the image when SOURCE_DATE_EPOCH changes (the file changes only then).
SDE_STAMP := $(BUILD)/source-date-epoch
$(shell mkdir -p $(BUILD) && [ "$$(cat $(SDE_STAMP) 2>/dev/null)" = "$(SOURCE_DATE_EPOCH)" ] || \
	echo "$(SOURCE_DATE_EPOCH)" > $(SDE_STAMP))

$(OUT)/initramfs.cpio.zst $(OUT)/vmlinuz &: $(INIT_BIN) $(NETCFG_BIN) $(MKCPIO) $(BOARD_FILES) image/mkinitramfs \
		scripts/fetch-deb scripts/cache.sh $(SDE_STAMP) | deps
	$(quiet) GEN "$(OUT)/initramfs.cpio.zst"
	$(Q)image/mkinitramfs $(BOARD_DIR) $(BUILD) $(OUT) $(INIT_BIN) $(MKCPIO)

# Boot media (README, "Boot media"): a USB stick image and a hybrid ISO,
# BIOS and UEFI, each with a template fathom.conf.
$(OUT)/fathom.img: $(OUT)/initramfs.cpio.zst image/mkmedia $(BOARD_DIR)/board.conf
	$(quiet) MEDIA "$@"
	$(Q)image/mkmedia usb $@ $(BOARD_DIR) $(OUT) $(BUILD)
$(OUT)/fathom.iso: $(OUT)/initramfs.cpio.zst image/mkmedia $(BOARD_DIR)/board.conf
	$(quiet) MEDIA "$@"
	$(Q)image/mkmedia iso $@ $(BOARD_DIR) $(OUT) $(BUILD)

# Debian's prebuilt iPXE, for PXE servers and for chainloading.
$(addprefix $(OUT)/ipxe/,$(IPXE_BINS)) &: scripts/fetch-deb $(SDE_STAMP) | deps
	$(quiet) IPXE "$(OUT)/ipxe/"
	$(Q)mkdir -p $(OUT)/ipxe && d=$$(scripts/fetch-deb ipxe | cut -d' ' -f4) && \
		for f in $(IPXE_BINS); do \
			src=$$(find $$d/boot $$d/usr/lib/ipxe -name $$f -type f | head -n1) && \
			[ -n "$$src" ] && cp $$src $(OUT)/ipxe/$$f && touch -d @$(SOURCE_DATE_EPOCH) $(OUT)/ipxe/$$f || \
			{ echo "ipxe: $$f not in Debian's ipxe package ($$d)" >&2; exit 1; }; \
		done && scripts/fetch-deb ipxe > $(BUILD)/ipxe-components

$(OUT)/manifest.json: $(OUT)/initramfs.cpio.zst $(OUT)/fathom.img $(OUT)/fathom.iso \
		$(addprefix $(OUT)/ipxe/,$(IPXE_BINS)) scripts/manifest-json
	$(quiet) GEN "$@"
	$(Q)scripts/manifest-json $(BOARD) $(BUILD) $(OUT) > $@.tmp && mv $@.tmp $@

$(OUT)/SHA256SUMS: $(ARTIFACTS)
	$(quiet) SHA256 "$@"
	$(Q)cd $(OUT) && sha256sum $(patsubst $(OUT)/%,%,$(ARTIFACTS)) > SHA256SUMS.tmp && mv SHA256SUMS.tmp SHA256SUMS

keys:
	$(Q)scripts/keys

$(SIGNING_KEY) $(SIGNING_PUB) &: | deps
	$(Q)scripts/keys > /dev/null

# Shipped so a verifier has it; operators should pin their own copy instead.
$(OUT)/fathom.pub: $(SIGNING_PUB)
	$(quiet) PUBKEY "$@"
	$(Q)mkdir -p $(dir $@) && cp $< $@

# Ed25519: the same key and SHA256SUMS always give the same signature.
$(OUT)/SHA256SUMS.sig: $(OUT)/SHA256SUMS $(SIGNING_KEY)
	$(quiet) SIGN "$@"
	$(Q)openssl pkeyutl -sign -inkey $(SIGNING_KEY) -rawin -in $< -out $@.tmp && mv $@.tmp $@

verify:
	$(Q)scripts/verify $(OUT)

run: all
	scripts/qemu-run --kernel $(OUT)/vmlinuz --initrd $(OUT)/initramfs.cpio.zst \
		--board $(BOARD_DIR) -- $(CMDLINE)

# Tests -------------------------------------------------------------------

UNIT_TESTS += test_cmdline test_cpio test_select test_service test_shutdown test_initconfig test_modalias test_inventory
UNIT_TESTS += test_ipmi test_ipmi_lan
FUZZ_TARGETS += fuzz_cmdline fuzz_manifest fuzz_service fuzz_initconfig fuzz_coldplug fuzz_inventory
FUZZ_TARGETS += fuzz_ipmi
# Each service under services/ brings its own rules, unit tests and fuzz
# targets (services/NAME/service.mk adds to UNIT_TESTS, FUZZ_TARGETS and
# SERVICE_BINS).
include $(wildcard services/*/service.mk)
# The image ships the services of its board's SERVICES (services/NAME/image,
# read by image/mkinitramfs with @BUILD@ = $(BUILD)); SERVICE_BINS is only
# complete here, after the service.mk files.
$(OUT)/initramfs.cpio.zst: $(SERVICE_BINS) $(wildcard services/*/image services/*/*.service services/*/*.conf)
UNIT_BINS := $(addprefix $(HOSTBUILD)/tests/,$(UNIT_TESTS))
FUZZ_BINS := $(addprefix $(HOSTBUILD)/fuzz/,$(FUZZ_TARGETS))

$(HOSTBUILD)/tests/test_cmdline: tests/unit/test_cmdline.c netcfg/cmdline.c
$(HOSTBUILD)/tests/test_cpio: tests/unit/test_cpio.c image/cpio.c
$(HOSTBUILD)/tests/test_select: tests/unit/test_select.c netcfg/select.c netcfg/cmdline.c
$(HOSTBUILD)/tests/test_service: tests/unit/test_service.c init/service.c init/child.c
$(HOSTBUILD)/tests/test_shutdown: tests/unit/test_shutdown.c init/shutdown_fsm.c
$(HOSTBUILD)/tests/test_initconfig: tests/unit/test_initconfig.c init/params.c netcfg/cmdline.c
$(HOSTBUILD)/tests/test_modalias: tests/unit/test_modalias.c init/modalias.c
$(HOSTBUILD)/tests/test_inventory: tests/unit/test_inventory.c image/inventory.c netcfg/cmdline.c \
	init/params.c
$(HOSTBUILD)/tests/test_ipmi: tests/unit/test_ipmi.c init/ipmi_msg.c
$(HOSTBUILD)/tests/test_ipmi_lan: tests/unit/test_ipmi_lan.c init/ipmi_lan.c init/ipmi_msg.c
$(UNIT_BINS): tests/unit/tap.h $(wildcard netcfg/*.h image/*.h init/*.h) | deps
	$(quiet) HOSTCC "$@ (ASan/UBSan)"
	$(Q)mkdir -p $(dir $@) && $(HOSTCC) $(SAN_CFLAGS) -Inetcfg -Iimage -Iinit -Itests/unit \
		-o $@ $(filter %.c,$^)

$(HOSTBUILD)/fuzz/fuzz_cmdline: tests/fuzz/fuzz_cmdline.c netcfg/cmdline.c
$(HOSTBUILD)/fuzz/fuzz_manifest: tests/fuzz/fuzz_manifest.c image/cpio.c
$(HOSTBUILD)/fuzz/fuzz_service: tests/fuzz/fuzz_service.c init/service.c
$(HOSTBUILD)/fuzz/fuzz_initconfig: tests/fuzz/fuzz_initconfig.c init/params.c netcfg/cmdline.c
$(HOSTBUILD)/fuzz/fuzz_coldplug: tests/fuzz/fuzz_coldplug.c init/modalias.c
$(HOSTBUILD)/fuzz/fuzz_inventory: tests/fuzz/fuzz_inventory.c image/inventory.c netcfg/cmdline.c \
	init/params.c
$(HOSTBUILD)/fuzz/fuzz_ipmi: tests/fuzz/fuzz_ipmi.c init/ipmi_msg.c
$(FUZZ_BINS): | deps
	$(quiet) FUZZ "$@"
	$(Q)mkdir -p $(dir $@) && clang $(STD) $(WARN) -g -O1 -fsanitize=fuzzer,address,undefined \
		-Inetcfg -Iimage -Iinit -o $@ $(filter %.c,$^)

unit: $(UNIT_BINS)
fuzz-build: $(FUZZ_BINS)

# Long fuzzing runs (make check does a bounded smoke run of each target).
FUZZ_SECONDS ?= 300
fuzz: $(FUZZ_BINS)
	$(Q)for f in $(FUZZ_TARGETS); do \
		c=$$(mktemp -d) && cp tests/fuzz/corpus/$${f#fuzz_}/* $$c/ && \
		echo "  FUZZ    $$f for $(FUZZ_SECONDS)s" && \
		$(HOSTBUILD)/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
			-artifact_prefix=$(HOSTBUILD)/fuzz/$$f- $$c > $$c.log 2>&1; \
		rc=$$?; tail -n 2 $$c.log; rm -rf $$c $$c.log; [ $$rc = 0 ] || exit 1; \
	done

# The test runner prints TAP per suite and ends with "N passed, N failed".
check-quick: all unit fuzz-build
	$(Q)tests/run --quick --out $(O) --board $(BOARD)

check: all unit fuzz-build
	$(Q)tests/run --out $(O) --board $(BOARD)

bench: all
	bench/init --out $(O) --board $(BOARD)
	bench/netcfg --out $(O) --board $(BOARD)
	bench/boot --out $(O) --board $(BOARD)
	bench/fleet --out $(O) --board $(BOARD)

clean:
	$(quiet) CLEAN "$(O)"
	$(Q)rm -rf $(O)

# Configuration: the board, the output tree, kbuild-style output and the
# compiler flags of every build flavor (target, host, ASan/UBSan, fuzz).

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

# One short line per step ("  CC      init/main.c"); V=1 shows the commands.
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

# Headers are included by path from the top (#include "lib/span.h"); each
# object's header dependencies come from the compiler (-MMD, the .d files
# included at the end of the Makefile).
WARN := -Wall -Wextra -Werror
STD := -std=c11 -D_DEFAULT_SOURCE -I.
DEPFLAGS := -MMD -MP
HOSTCC ?= gcc
HOST_CFLAGS := $(STD) $(WARN) -O2 $(DEPFLAGS)
SAN_CFLAGS := $(STD) $(WARN) -g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all $(DEPFLAGS)
# Recursive: a fuzz target may add to STD (target-specific, service.mk).
FUZZ_CFLAGS = $(STD) $(WARN) -g -O1 -fsanitize=fuzzer,address,undefined $(DEPFLAGS)
UNIT_INCLUDES := -Inetcfg -Iimage -Iinit -Itests/unit

# PID 1 and netcfg: static musl, libnl-route built from Debian's source.
TARGET_CC := musl-gcc
LIBNL := $(O)/build/libnl
KINC := $(O)/build/kinc
TARGET_CFLAGS := $(STD) $(WARN) -Os -ffunction-sections -fdata-sections $(DEPFLAGS) \
	-I$(KINC) -I$(LIBNL)/include/libnl3 -Inetcfg -Iinit
TARGET_LDFLAGS := -static -s -Wl,--gc-sections
TARGET_LIBS := $(LIBNL)/lib/libnl-route-3.a $(LIBNL)/lib/libnl-3.a -lpthread

# The operator's signing key, outside the work tree (scripts/keys).
FATHOM_KEYS := $(or $(FATHOM_KEYS),$(or $(XDG_CONFIG_HOME),$(HOME)/.config)/fathom/keys)
export FATHOM_KEYS
SIGNING_KEY := $(FATHOM_KEYS)/fathom.key
SIGNING_PUB := $(FATHOM_KEYS)/fathom.pub

# The image's own programs, static musl: /init (PID 1) and netcfg.

NETCFG_SRCS := netcfg/select.c netcfg/log.c netcfg/link.c netcfg/addr.c netcfg/apply.c \
	netcfg/media.c netcfg/main.c
INIT_SRCS := init/main.c init/log.c init/mount.c init/service.c \
	init/supervise.c init/shutdown.c init/shutdown_fsm.c init/power.c init/watchdog.c \
	init/shell.c init/network.c init/coldplug.c init/modalias.c init/ipmi.c \
	init/ipmi_msg.c init/ipmi_lan.c init/ipmi_bmc.c init/child.c init/watch.c init/output.c \
	init/modules.c init/state.c
INIT_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(INIT_SRCS))
INIT_BIN := $(BUILD)/init
NETCFG_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(NETCFG_SRCS))
NETCFG_BIN := $(BUILD)/netcfg

.PHONY: deps
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

$(BUILD)/obj/%.o: %.c | $(LIBNL) $(KINC) deps
	$(quiet) CC "$<"
	$(Q)mkdir -p $(dir $@) && $(TARGET_CC) $(TARGET_CFLAGS) -c $< -o $@

$(INIT_BIN): $(INIT_OBJS) $(TARGET_LIB)
	$(quiet) LD "$@"
	$(Q)$(TARGET_CC) $(TARGET_LDFLAGS) -o $@ $(INIT_OBJS) $(TARGET_LIB)

# The netcfg tool: in the image (/usr/sbin/netcfg) and for the build host.
$(NETCFG_BIN): $(NETCFG_OBJS) $(TARGET_LIB)
	$(quiet) LD "$@"
	$(Q)$(TARGET_CC) $(TARGET_LDFLAGS) -o $@ $(NETCFG_OBJS) $(TARGET_LIB) $(TARGET_LIBS)
